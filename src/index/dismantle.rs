//! Taking a vault apart table by table, to see what each holds (`examples/memory`).

use super::Vault;

impl Vault {
    /// Drop the vault's tables one at a time, reading `live()` (the bytes the heap holds)
    /// after each: what each table held, in bytes, then the files and their notes last.
    #[doc(hidden)]
    pub fn dismantle(mut self, live: &dyn Fn() -> usize) -> Vec<(&'static str, usize)> {
        let mut out = Vec::new();
        let mut before = live();
        let mut note = |name: &'static str, out: &mut Vec<(&'static str, usize)>| {
            let now = live();
            out.push((name, before.saturating_sub(now)));
            before = now;
        };
        drop(std::mem::take(&mut self.by_path));
        note("paths map", &mut out);
        drop(std::mem::take(&mut self.by_name));
        note("names map", &mut out);
        drop(std::mem::take(&mut self.by_alias));
        note("aliases map", &mut out);
        drop(std::mem::take(&mut self.links_by_key));
        note("links by key", &mut out);
        drop(std::mem::take(&mut self.tags));
        note("tags map", &mut out);
        drop(std::mem::take(&mut self.sorted_names));
        note("sorted names", &mut out);
        drop(std::mem::take(&mut self.counts_log));
        drop(std::mem::take(&mut self.names_log));
        note("change logs", &mut out);
        drop(std::mem::take(&mut self.sources));
        note("bibliographies", &mut out);
        drop(std::mem::take(&mut self.mentions));
        note("mentions", &mut out);
        drop(std::mem::take(&mut self.properties));
        note("properties", &mut out);
        drop(std::mem::take(&mut self.folders));
        note("folders", &mut out);
        for file in self.files.iter_mut().flatten() {
            file.content = super::Content::Attachment;
        }
        note("notes", &mut out);
        drop(std::mem::take(&mut self.files));
        note("files", &mut out);
        drop(self);
        note("the rest", &mut out);
        out
    }
}
