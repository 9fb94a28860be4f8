//! notegraph: a language server for linked markdown notes. The crate is layered as DESIGN.md
//! describes — `syntax` → `index` → `features` → `lsp` — with the loader and CLI beside them.

pub mod cache;
pub mod check;
pub mod config;
pub mod features;
pub mod graph;
pub mod index;
pub mod loader;
pub mod lsp;
pub mod sources;
pub mod syntax;
