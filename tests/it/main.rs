//! Integration tests in one binary: the LSP server end to end over stdio, the `check` CLI, and
//! real third-party vaults from `../shared/fixtures` (skipped with a notice where absent).

mod architecture;
mod bad_files;
mod bad_requests;
mod cache;
mod cite;
mod cli;
mod client;
mod graph;
mod hostile_clients;
mod lifecycle;
mod load;
mod lsp;
mod mass_changes;
mod navigate;
mod no_leaks;
mod no_root;
mod obsidian;
mod panels;
mod properties;
mod real_vaults;
mod refactor;
mod settings_files;
mod typing;
