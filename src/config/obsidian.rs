//! Obsidian's own settings beyond `app.json`: property types (`.obsidian/types.json`), daily
//! notes (`.obsidian/daily-notes.json`) and templates (`.obsidian/templates.json`), with
//! Obsidian's defaults where a file or a key is missing.

use serde_json::Value;

use crate::index::properties::PropertyType;

/// The core Daily notes plugin's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DailyNotes {
    /// Root-relative folder; "" for the root.
    pub folder: String,
    /// moment.js format of the note's name; may hold `/` for folders (`YYYY/MM/YYYY-MM-DD`).
    pub format: String,
    /// Root-relative path of the template note, without `.md`; "" for none.
    pub template: String,
}

impl Default for DailyNotes {
    fn default() -> DailyNotes {
        DailyNotes {
            folder: String::new(),
            format: "YYYY-MM-DD".to_string(),
            template: String::new(),
        }
    }
}

/// The core Templates plugin's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Templates {
    /// Root-relative folder of the templates; "" when none is set (no templates then).
    pub folder: String,
    /// moment.js formats of `{{date}}` and `{{time}}`.
    pub date_format: String,
    pub time_format: String,
}

impl Default for Templates {
    fn default() -> Templates {
        Templates {
            folder: String::new(),
            date_format: "YYYY-MM-DD".to_string(),
            time_format: "HH:mm".to_string(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Obsidian {
    /// Key → type, from `types.json`.
    pub property_types: Vec<(String, PropertyType)>,
    pub daily: DailyNotes,
    pub templates: Templates,
}

/// A string setting: empty strings mean "the default", as in Obsidian's own settings pages.
fn text(value: &Value, key: &str) -> Option<String> {
    value
        .get(key)
        .and_then(Value::as_str)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// A folder or note path as Obsidian stores it: root-relative, maybe with stray slashes.
fn vault_path(s: String) -> String {
    s.trim_matches('/').to_string()
}

impl Obsidian {
    /// The three files of `.obsidian/`, as `file` gives their text by name (the loader reads
    /// them); problems name their file.
    pub fn from_files(
        file: impl Fn(&str) -> Option<String>,
        problems: &mut Vec<String>,
    ) -> Obsidian {
        let mut out = Obsidian::default();
        let mut read = |name: &str| -> Option<Value> {
            let text = file(name)?;
            match serde_json::from_str::<Value>(&text) {
                Ok(value) => Some(value),
                Err(err) => {
                    problems.push(format!(".obsidian/{name}: not JSON ({err})"));
                    None
                }
            }
        };
        let types = read("types.json");
        let daily = read("daily-notes.json");
        let templates = read("templates.json");
        if let Some(types) = types {
            out.property_types = read_types(&types, problems);
        }
        if let Some(daily) = daily {
            out.daily = DailyNotes {
                folder: text(&daily, "folder").map(vault_path).unwrap_or_default(),
                format: text(&daily, "format").unwrap_or(out.daily.format),
                template: text(&daily, "template")
                    .map(vault_path)
                    .map(|t| t.strip_suffix(".md").map(str::to_string).unwrap_or(t))
                    .unwrap_or_default(),
            };
        }
        if let Some(templates) = templates {
            out.templates = Templates {
                folder: text(&templates, "folder")
                    .map(vault_path)
                    .unwrap_or_default(),
                date_format: text(&templates, "dateFormat").unwrap_or(out.templates.date_format),
                time_format: text(&templates, "timeFormat").unwrap_or(out.templates.time_format),
            };
        }
        out
    }
}

/// `{"types": {"due": "date", …}}`; a type Obsidian does not have is reported and skipped.
fn read_types(value: &Value, problems: &mut Vec<String>) -> Vec<(String, PropertyType)> {
    let Some(map) = value.get("types").and_then(Value::as_object) else {
        problems.push(".obsidian/types.json: no `types` object".to_string());
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, ty) in map {
        match ty.as_str().and_then(PropertyType::parse) {
            Some(ty) => out.push((key.clone(), ty)),
            None => problems.push(format!(
                ".obsidian/types.json: property `{key}` has an unknown type {ty}"
            )),
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_read_with_obsidians_defaults_for_what_is_missing() {
        let mut problems = Vec::new();
        assert_eq!(
            Obsidian::from_files(|_| None, &mut problems),
            Obsidian::default()
        );
        let files = [
            (
                "types.json",
                r#"{"types": {"due": "date", "tags": "tags", "n": "number", "x": "colour"}}"#,
            ),
            (
                "daily-notes.json",
                r#"{"folder": "/Journal/", "format": "YYYY/MM/YYYY-MM-DD", "template": "Templates/Daily.md"}"#,
            ),
            ("templates.json", r#"{"folder": "Templates"}"#),
        ];
        let read = Obsidian::from_files(
            |name| {
                files
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, t)| t.to_string())
            },
            &mut problems,
        );
        assert_eq!(
            read.property_types,
            vec![
                ("due".to_string(), PropertyType::Date),
                ("n".to_string(), PropertyType::Number),
                ("tags".to_string(), PropertyType::Tags),
            ]
        );
        assert_eq!(
            read.daily,
            DailyNotes {
                folder: "Journal".into(),
                format: "YYYY/MM/YYYY-MM-DD".into(),
                template: "Templates/Daily".into()
            }
        );
        assert_eq!(
            read.templates,
            Templates {
                folder: "Templates".into(),
                ..Templates::default()
            }
        );
        assert_eq!(
            problems,
            vec![r#".obsidian/types.json: property `x` has an unknown type "colour""#]
        );
    }
}
