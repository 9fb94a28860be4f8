//! Test support for the loader's tests: scratch folders with FIFOs and symlinks, and a bound on
//! work that would hang on a special file.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

/// A fresh folder under the system's temp dir, removed when dropped.
pub(super) struct Scratch(pub(super) PathBuf);

impl Scratch {
    pub(super) fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("notegraph-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    pub(super) fn write(&self, rel: &str, text: &str) -> PathBuf {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    pub(super) fn fifo(&self, rel: &str) -> PathBuf {
        let path = self.0.join(rel);
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .unwrap();
        assert!(made.success());
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Set `path`'s modification time `hours` back: older than the window in which a file is
/// hashed again because a write may have kept its time.
pub(super) fn age(path: &std::path::Path, hours: u64) {
    let file = std::fs::File::options().append(true).open(path).unwrap();
    file.set_modified(std::time::SystemTime::now() - Duration::from_secs(3600 * hours))
        .unwrap();
}

/// Run `work` on a thread; a hang (a FIFO opened for reading waits for a writer for ever)
/// fails the test instead of stalling it.
pub(super) fn finishes<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(work());
    });
    rx.recv_timeout(Duration::from_secs(20))
        .expect("blocked reading a special file")
}
