//! The `notegraph` binary.
fn main() {}
