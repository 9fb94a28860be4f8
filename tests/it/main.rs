//! Integration tests in one binary: the LSP server end to end over stdio, the `check` CLI, and
//! real third-party vaults from `../shared/fixtures` (skipped with a notice where absent).

mod cli;
mod client;
mod lsp;
mod navigate;
mod real_vaults;
mod refactor;
