//! The `check` command: output, exit codes and JSON.
