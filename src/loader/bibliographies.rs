//! The vault's bibliographies read for a load: which it wants (from the vault), reading them
//! (apart from the vault, taking unchanged ones from the on-disk index), and setting them.

use std::path::PathBuf;

use rayon::prelude::*;

use super::{
    CachedBibliographies, bibliography_label, read_bibliography_over, wanted_bibliographies,
};
use crate::cache::CachedBibliography;
use crate::index::{Stamp, Vault};
use crate::sources::{Bibliography, Origin};

/// Read every wanted bibliography (in parallel) into the vault, taking the parse of each whose
/// file is unchanged from `cached`. Returns how many were not (read again, or new), which
/// leaves the on-disk index behind.
pub fn load_bibliographies(
    vault: &mut Vault,
    configured: &[String],
    cached: CachedBibliographies,
) -> usize {
    let wanted = bibliographies_wanted(vault, configured, cached);
    let (bibs, behind) = read_bibliographies(wanted);
    set_bibliographies(vault, bibs);
    behind
}

/// The bibliographies a vault wants, each with its label and its parse from the on-disk index:
/// what [`read_bibliographies`] reads apart from the vault, which a server does not hold while
/// a large bibliography is parsed.
pub struct WantedBibliographies {
    wanted: Vec<(PathBuf, Origin, String, Option<CachedBibliography>)>,
    had_cache: bool,
}

/// The bibliographies `vault` wants (`configured`, named in notes, found in it), with their
/// parses from `cached`.
pub fn bibliographies_wanted(
    vault: &Vault,
    configured: &[String],
    mut cached: CachedBibliographies,
) -> WantedBibliographies {
    let had_cache = !cached.is_empty();
    let wanted: Vec<_> = wanted_bibliographies(vault, configured)
        .into_iter()
        .map(|(path, origin)| {
            let label = bibliography_label(vault, &path);
            let cached = cached.remove(&path);
            (path, origin, label, cached)
        })
        .collect();
    WantedBibliographies { wanted, had_cache }
}

/// Read `wanted` (in parallel), taking the parse of each whose file is unchanged from the
/// on-disk index: the bibliographies, and how many were not taken from it.
pub fn read_bibliographies(
    wanted: WantedBibliographies,
) -> (Vec<(Bibliography, Option<Stamp>)>, usize) {
    let read: Vec<(Bibliography, Option<Stamp>, bool)> = (wanted.wanted)
        .into_par_iter()
        .filter_map(|(path, origin, label, cached)| {
            read_bibliography_over(&path, origin, label, cached)
        })
        .collect();
    let behind = read.iter().filter(|(_, _, reused)| !reused).count();
    if wanted.had_cache {
        tracing::info!(
            "on-disk index: {} bibliographies unchanged, {behind} read",
            read.len() - behind
        );
    }
    let bibs = read.into_iter().map(|(bib, stamp, _)| (bib, stamp));
    (bibs.collect(), behind)
}

/// The vault's bibliographies from now on: `bibs`, as [`read_bibliographies`] read them.
pub fn set_bibliographies(vault: &mut Vault, bibs: Vec<(Bibliography, Option<Stamp>)>) {
    if !bibs.is_empty() {
        vault.sources.set_read_bibliographies(bibs);
        // Built here, off the request path, so the first `[@` does not pay for it.
        vault.sources.key_candidates();
    }
}
