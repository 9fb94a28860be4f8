//! The vault's settings files: which they are, and a fingerprint of their state on disk.

use std::path::Path;

/// The files [`super::load_config`] reads, relative to the root: what the server watches to
/// reconfigure itself when one changes on disk.
pub const SETTINGS_FILES: [&str; 5] = [
    ".notegraph.toml",
    ".obsidian/app.json",
    ".obsidian/types.json",
    ".obsidian/daily-notes.json",
    ".obsidian/templates.json",
];

/// A hash of what `stat` says of each of [`SETTINGS_FILES`] at `root` (or that it is not
/// there): it changes when one of them is written, created or removed.
pub fn settings_fingerprint(root: &Path) -> u64 {
    let mut seen = Vec::new();
    for file in SETTINGS_FILES {
        match std::fs::metadata(root.join(file)) {
            Ok(meta) => {
                let modified = meta
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                seen.extend_from_slice(&meta.len().to_le_bytes());
                seen.extend_from_slice(&modified.to_le_bytes());
            }
            Err(_) => seen.push(0xff),
        }
    }
    xxhash_rust::xxh3::xxh3_64(&seen)
}

/// Whether a change at `path` may change the settings of a vault whose first root is `root`:
/// one of [`SETTINGS_FILES`], or the `.obsidian` folder itself (removed, replaced, renamed).
pub fn is_settings_path(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root).is_ok_and(|rel| {
        rel == Path::new(".obsidian") || SETTINGS_FILES.iter().any(|f| rel == Path::new(f))
    })
}
