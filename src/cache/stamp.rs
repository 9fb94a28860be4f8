//! A file's [`Stamp`]: what the loader records of each read, and checks a cached note against
//! instead of reading the file again.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::index::{Nanos, Stamp};

/// How long after a file's modification a later write may still leave its time unchanged:
/// file system clocks tick in milliseconds to seconds (FAT: 2 s).
const RACY_WINDOW: Duration = Duration::from_secs(3);

/// Nanoseconds since the epoch of a file's modification, `None` where the platform has none.
fn mtime_ns(meta: &std::fs::Metadata) -> Option<i128> {
    let modified = meta.modified().ok()?;
    Some(match modified.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_nanos() as i128,
        Err(before) => -(before.duration().as_nanos() as i128),
    })
}

/// The stamp of `bytes`, read from a file whose metadata, taken just before the read, is `meta`.
pub fn stamp_of(meta: &std::fs::Metadata, bytes: &[u8]) -> Stamp {
    let mtime = mtime_ns(meta);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128);
    Stamp {
        mtime_ns: Nanos::new(mtime.unwrap_or(i128::MIN)),
        size: meta.len(),
        hash: xxhash_rust::xxh3::xxh3_64(bytes),
        // Recently modified, or changed while being read: only the content can vouch for it.
        racy: mtime.is_none_or(|m| now - m < RACY_WINDOW.as_nanos() as i128)
            || bytes.len() as u64 != meta.len(),
    }
}

/// Whether the file at `path`, a plain file (not a symlink), still holds what `stamp` saw.
pub fn unchanged(path: &Path, stamp: &Stamp) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    !stamp.racy
        && meta.file_type().is_file()
        && meta.len() == stamp.size
        && mtime_ns(&meta) == Some(stamp.mtime_ns.get())
}

/// Whether `bytes` are what `stamp` saw: the same length and hash. A file whose time moved (a
/// checkout, a sync, a rewrite with the same text) or that was read within seconds of a write
/// is vouched for by its content alone.
pub fn holds(bytes: &[u8], stamp: &Stamp) -> bool {
    bytes.len() as u64 == stamp.size && xxhash_rust::xxh3::xxh3_64(bytes) == stamp.hash
}
