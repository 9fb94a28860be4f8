//! Request and notification handlers, one file per family. Each converts the protocol's
//! params, calls a feature on the index, and converts the answer back; `server.rs` registers
//! them. Adding a request means one function in its family's file and one line there.

pub mod completion;
pub mod diagnostics;
pub mod edits;
pub mod navigation;
pub mod panels;
pub mod pull;
pub mod symbols;
pub mod sync;
pub mod workspace;
