//! Configuration: defaults, then Obsidian's own `.obsidian/app.json` (new-note location, link
//! style), then `.notegraph.toml` at the vault root, then the client's settings
//! (`initializationOptions`, then `workspace/configuration`); each later layer wins. All layers
//! share one schema, read from JSON values (TOML is converted), and every unknown or ill-typed
//! key is reported back to the caller, never dropped silently.

pub mod obsidian;

use std::collections::HashMap;

use serde_json::Value;

/// Where "create note" puts a new note whose link names no folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NewNoteLocation {
    Root,
    /// The folder of the note holding the link.
    Current,
    /// A root-relative folder.
    Folder(String),
}

/// How notegraph writes a link target it inserts (completion, code actions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkStyle {
    /// The shortest target that names the note without ambiguity.
    Shortest,
    /// A path relative to the linking note.
    Relative,
    /// The full path from the vault root.
    Absolute,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub alias_fallback: bool,
    /// Keep the index in the user's cache folder between runs (`indexCache`).
    pub index_cache: bool,
    pub completion_limit: usize,
    pub new_notes: NewNoteLocation,
    /// Gitignore-style globs of files and folders left out of the vault.
    pub exclude: Vec<String>,
    pub link_style: LinkStyle,
    /// Insert markdown links `[text](path.md)` instead of wikilinks.
    pub markdown_links: bool,
    /// Per diagnostic code: a severity, or `None` for "off".
    pub severity: HashMap<String, Option<Severity>>,
    /// Bibliographies and literature notes (`bibliography`, `citations`).
    pub citations: CitationSettings,
    /// Which names count as unlinked mentions (`mentions`).
    pub mentions: crate::index::mentions::Rules,
    /// Backlink counts: an inlay hint after the title heading, a code lens on it (`counts`).
    pub count_hints: bool,
    pub count_lens: bool,
    /// Push diagnostics of closed notes too, to clients that do not pull (`publish.closedNotes`).
    pub push_closed: bool,
    /// Property types, daily notes and templates, from `.obsidian/`.
    pub obsidian: obsidian::Obsidian,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            alias_fallback: true,
            index_cache: true,
            completion_limit: 50,
            new_notes: NewNoteLocation::Root,
            exclude: Vec::new(),
            link_style: LinkStyle::Shortest,
            markdown_links: false,
            severity: HashMap::new(),
            citations: Default::default(),
            mentions: Default::default(),
            count_hints: true,
            count_lens: true,
            push_closed: false,
            obsidian: Default::default(),
        }
    }
}

/// Diagnostic codes a severity can be set for.
const KINDS: [Kind; 11] = [
    Kind::UnresolvedNote,
    Kind::UnresolvedAttachment,
    Kind::UnresolvedHeading,
    Kind::UnresolvedBlock,
    Kind::Ambiguous,
    Kind::Frontmatter,
    Kind::UnknownCitation,
    Kind::UnknownLiteratureKey,
    Kind::DuplicateCitationKey,
    Kind::MissingBibliography,
    Kind::PropertyType,
];

/// A vault's settings files as the loader read them (`loader::load_config`).
#[derive(Default)]
pub struct SettingsFiles {
    /// `.obsidian/app.json`, when there is one that could be read.
    pub obsidian_app: Option<String>,
    /// `.notegraph.toml`: its text or why it was not read; `None` when there is none.
    pub notegraph_toml: Option<Result<String, String>>,
}

impl Config {
    /// Defaults plus a vault's settings files (`.obsidian/app.json` and `.notegraph.toml`), as
    /// the loader read them. Returns the problems found, each naming its file and key.
    pub fn from_files(files: SettingsFiles) -> (Config, Vec<String>) {
        let mut config = Config::default();
        let mut problems = Vec::new();
        if let Some(text) = files.obsidian_app {
            match serde_json::from_str::<Value>(&text) {
                Ok(app) => config.apply_obsidian(&app),
                Err(err) => problems.push(format!(".obsidian/app.json: not JSON ({err})")),
            }
        }
        match files.notegraph_toml {
            Some(Ok(text)) => match toml::from_str::<Value>(&text) {
                Ok(value) => problems.extend(
                    config
                        .apply(&value)
                        .into_iter()
                        .map(|p| format!(".notegraph.toml: {p}")),
                ),
                Err(err) => problems.push(format!(
                    ".notegraph.toml: not valid TOML, ignored: {}",
                    err.to_string().trim()
                )),
            },
            None => {}
            Some(Err(reason)) => problems.push(format!(".notegraph.toml: {reason}")),
        }
        (config, problems)
    }

    /// Obsidian's settings that notegraph honours: where new notes go and how links are written.
    fn apply_obsidian(&mut self, app: &Value) {
        match app.get("newFileLocation").and_then(Value::as_str) {
            Some("current") => self.new_notes = NewNoteLocation::Current,
            Some("folder") => {
                if let Some(folder) = app.get("newFileFolderPath").and_then(Value::as_str) {
                    self.new_notes = folder_location(folder);
                }
            }
            Some("root") => self.new_notes = NewNoteLocation::Root,
            _ => {}
        }
        match app.get("newLinkFormat").and_then(Value::as_str) {
            Some("relative") => self.link_style = LinkStyle::Relative,
            Some("absolute") => self.link_style = LinkStyle::Absolute,
            Some("shortest") => self.link_style = LinkStyle::Shortest,
            _ => {}
        }
        if let Some(markdown) = app.get("useMarkdownLinks").and_then(Value::as_bool) {
            self.markdown_links = markdown;
        }
    }

    /// Apply one layer of settings. Returns a problem per unknown or ill-typed key.
    pub fn apply(&mut self, value: &Value) -> Vec<String> {
        let mut problems = Vec::new();
        let Value::Object(map) = value else {
            if !value.is_null() {
                problems.push(format!("settings must be a table, not {value}"));
            }
            return problems;
        };
        for (key, value) in map {
            if let Some(ok) = self.citations.apply(key, value, &mut problems) {
                if !ok {
                    problems.push(format!("setting `{key}` has an unusable value {value}"));
                }
                continue;
            }
            let ok = match key.as_str() {
                "aliasFallback" => value.as_bool().map(|b| self.alias_fallback = b).is_some(),
                "indexCache" => value.as_bool().map(|b| self.index_cache = b).is_some(),
                "newNoteFolder" => value
                    .as_str()
                    .map(|f| self.new_notes = folder_location(f))
                    .is_some(),
                "exclude" => string_list(value, false)
                    .map(|globs| self.exclude = globs)
                    .is_some(),
                "completion" => {
                    self.apply_table(key, value, &mut problems, |config, k, v| match k {
                        "limit" => v
                            .as_u64()
                            .map(|n| config.completion_limit = (n as usize).clamp(1, 10_000))
                            .is_some(),
                        _ => false,
                    });
                    true
                }
                "links" => {
                    self.apply_table(key, value, &mut problems, |config, k, v| {
                        match (k, v.as_str()) {
                            ("style", Some("shortest")) => {
                                config.link_style = LinkStyle::Shortest;
                                true
                            }
                            ("style", Some("relative")) => {
                                config.link_style = LinkStyle::Relative;
                                true
                            }
                            ("style", Some("absolute")) => {
                                config.link_style = LinkStyle::Absolute;
                                true
                            }
                            ("format", Some("wikilink")) => {
                                config.markdown_links = false;
                                true
                            }
                            ("format", Some("markdown")) => {
                                config.markdown_links = true;
                                true
                            }
                            _ => false,
                        }
                    });
                    true
                }
                "mentions" => {
                    self.apply_table(key, value, &mut problems, |config, k, v| match k {
                        "enabled" => v.as_bool().map(|b| config.mentions.enabled = b).is_some(),
                        "minLength" => v
                            .as_u64()
                            .map(|n| config.mentions.min_chars = (n as usize).clamp(1, 100))
                            .is_some(),
                        "ignore" => string_list(v, false)
                            .map(|words| {
                                let words = words.iter().map(|w| crate::index::keys::fold(w));
                                config.mentions.stoplist.extend(words)
                            })
                            .is_some(),
                        _ => false,
                    });
                    true
                }
                "publish" => {
                    self.apply_table(key, value, &mut problems, |config, k, v| match k {
                        "closedNotes" => v.as_bool().map(|b| config.push_closed = b).is_some(),
                        _ => false,
                    });
                    true
                }
                "counts" => {
                    self.apply_table(key, value, &mut problems, |config, k, v| match k {
                        "inlayHint" => v.as_bool().map(|b| config.count_hints = b).is_some(),
                        "codeLens" => v.as_bool().map(|b| config.count_lens = b).is_some(),
                        _ => false,
                    });
                    true
                }
                "diagnostics" => {
                    self.apply_table(key, value, &mut problems, |config, k, v| {
                        let known = KINDS.iter().any(|kind| kind.code() == k);
                        let level = match v.as_str() {
                            Some("error") => Some(Some(Severity::Error)),
                            Some("warning") => Some(Some(Severity::Warning)),
                            Some("info" | "information") => Some(Some(Severity::Information)),
                            Some("hint") => Some(Some(Severity::Hint)),
                            Some("off") => Some(None),
                            _ => None,
                        };
                        match (known, level) {
                            (true, Some(level)) => {
                                config.severity.insert(k.to_string(), level);
                                true
                            }
                            _ => false,
                        }
                    });
                    true
                }
                _ => {
                    problems.push(format!("unknown setting `{key}`"));
                    continue;
                }
            };
            if !ok {
                problems.push(format!("setting `{key}` has an unusable value {value}"));
            }
        }
        problems
    }

    fn apply_table(
        &mut self,
        table: &str,
        value: &Value,
        problems: &mut Vec<String>,
        mut set: impl FnMut(&mut Config, &str, &Value) -> bool,
    ) {
        let Value::Object(map) = value else {
            problems.push(format!("setting `{table}` must be a table, not {value}"));
            return;
        };
        for (key, value) in map {
            if !set(self, key, value) {
                problems.push(format!(
                    "setting `{table}.{key}` is unknown or has an unusable value {value}"
                ));
            }
        }
    }
}

/// A list of strings (or, with `single`, one string standing for a list of one).
pub(crate) fn string_list(value: &Value, single: bool) -> Option<Vec<String>> {
    match value {
        Value::String(s) if single => Some(vec![s.clone()]),
        Value::Array(items) if items.iter().all(Value::is_string) => Some(
            items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
        ),
        _ => None,
    }
}

fn folder_location(folder: &str) -> NewNoteLocation {
    match folder.trim().trim_matches('/') {
        "" => NewNoteLocation::Root,
        "." | "./" => NewNoteLocation::Current,
        folder => NewNoteLocation::Folder(folder.to_string()),
    }
}

// --- Diagnostic codes and severities: the keys and values of the `[diagnostics]` table.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
    Information,
    Hint,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Information => "info",
            Severity::Hint => "hint",
        }
    }
}

/// What a diagnostic is about; `code` in the protocol, and what `check` counts as broken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    UnresolvedNote,
    UnresolvedAttachment,
    UnresolvedHeading,
    UnresolvedBlock,
    Ambiguous,
    Frontmatter,
    /// A citation key in no bibliography.
    UnknownCitation,
    /// A literature note whose key is in no bibliography.
    UnknownLiteratureKey,
    /// A cited key defined in more than one place.
    DuplicateCitationKey,
    /// A `bibliography:` file that cannot be found.
    MissingBibliography,
    /// A frontmatter value that does not fit its key's type in `.obsidian/types.json`.
    PropertyType,
}

impl Kind {
    pub fn code(self) -> &'static str {
        match self {
            Kind::UnresolvedNote => "unresolved-note",
            Kind::UnresolvedAttachment => "unresolved-attachment",
            Kind::UnresolvedHeading => "unresolved-heading",
            Kind::UnresolvedBlock => "unresolved-block",
            Kind::Ambiguous => "ambiguous-link",
            Kind::Frontmatter => "frontmatter",
            Kind::UnknownCitation => "unknown-citation",
            Kind::UnknownLiteratureKey => "unknown-literature-key",
            Kind::DuplicateCitationKey => "duplicate-citation-key",
            Kind::MissingBibliography => "missing-bibliography",
            Kind::PropertyType => "property-type",
        }
    }

    /// A broken link: `check` exits non-zero when any exists.
    pub fn is_broken_link(self) -> bool {
        matches!(
            self,
            Kind::UnresolvedNote
                | Kind::UnresolvedAttachment
                | Kind::UnresolvedHeading
                | Kind::UnresolvedBlock
        )
    }
}

// --- Citations: `bibliography` and the `[citations]` table.

/// Citation settings: `bibliography` (a path or a list, relative to the vault) and the
/// `citations` table (`literatureNoteFolder`, `literatureNoteName`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CitationSettings {
    pub bibliography: Vec<String>,
    pub literature: LiteratureNoteSettings,
}

impl CitationSettings {
    /// Take setting `key` if it is one of ours: `None` when it is not, else whether the value
    /// was usable (problems in the `citations` table are pushed to `problems`).
    pub fn apply(&mut self, key: &str, value: &Value, problems: &mut Vec<String>) -> Option<bool> {
        match key {
            "bibliography" => Some(
                crate::config::string_list(value, true)
                    .map(|paths| self.bibliography = paths)
                    .is_some(),
            ),
            "citations" => {
                let Value::Object(map) = value else {
                    return Some(false);
                };
                for (k, v) in map {
                    match (k.as_str(), v.as_str()) {
                        ("literatureNoteFolder", Some(folder)) if inside_vault(folder) => {
                            self.literature.folder = folder.to_string()
                        }
                        // A separator would make the name a path (`../../{key}`).
                        ("literatureNoteName", Some(name))
                            if name.contains("{key}") && !name.contains(['/', '\\']) =>
                        {
                            self.literature.name = name.to_string()
                        }
                        _ => problems.push(format!(
                            "setting `citations.{k}` is unknown or has an unusable value {v}"
                        )),
                    }
                }
                Some(true)
            }
            _ => None,
        }
    }
}

/// Whether a configured folder names a folder inside the vault: relative, without `..`.
fn inside_vault(folder: &str) -> bool {
    !folder.starts_with(['/', '~'])
        && !folder.contains(['\\', ':'])
        && folder.split('/').all(|part| part != "..")
}

/// Where new literature notes go and how they are named.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LiteratureNoteSettings {
    /// Vault-relative folder; empty for the vault root.
    pub folder: String,
    /// File name without `.md`: `{key}` and `{title}` are replaced.
    pub name: String,
}

impl Default for LiteratureNoteSettings {
    fn default() -> LiteratureNoteSettings {
        LiteratureNoteSettings {
            folder: String::new(),
            name: "{key} {title}".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn every_layer_applies_and_the_later_one_wins() {
        let mut config = Config::default();
        config.apply_obsidian(&json!({
            "newFileLocation": "folder", "newFileFolderPath": "Inbox/",
            "newLinkFormat": "relative", "useMarkdownLinks": true
        }));
        let toml: Value = toml::from_str(
            r#"
aliasFallback = false
indexCache = false
exclude = ["templates/**"]
[links]
style = "absolute"
[diagnostics]
ambiguous-link = "off"
unresolved-note = "error"
"#,
        )
        .unwrap();
        assert!(config.apply(&toml).is_empty());
        let client = json!({"completion": {"limit": 7}, "newNoteFolder": "."});
        assert!(config.apply(&client).is_empty());
        assert_eq!(
            config,
            Config {
                alias_fallback: false,
                index_cache: false,
                completion_limit: 7,
                new_notes: NewNoteLocation::Current,
                exclude: vec!["templates/**".to_string()],
                link_style: LinkStyle::Absolute,
                markdown_links: true,
                severity: HashMap::from([
                    ("ambiguous-link".to_string(), None),
                    ("unresolved-note".to_string(), Some(Severity::Error)),
                ]),
                citations: Default::default(),
                ..Config::default()
            }
        );
    }

    #[test]
    fn unknown_and_ill_typed_keys_are_reported() {
        let mut config = Config::default();
        let problems = config.apply(&json!({
            "aliasFalback": true,
            "completion": {"limit": "many", "depth": 2},
            "diagnostics": {"unresolved-note": "loud", "typo-kind": "off"},
            "links": {"style": "shortest"},
            "exclude": "drafts",
        }));
        assert_eq!(
            problems,
            vec![
                "unknown setting `aliasFalback`",
                "setting `completion.depth` is unknown or has an unusable value 2",
                "setting `completion.limit` is unknown or has an unusable value \"many\"",
                "setting `diagnostics.typo-kind` is unknown or has an unusable value \"off\"",
                "setting `diagnostics.unresolved-note` is unknown or has an unusable value \"loud\"",
                "setting `exclude` has an unusable value \"drafts\"",
            ]
        );
        assert_eq!(config, Config::default());
    }
}
