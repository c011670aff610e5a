//! The layouts every mail is wrapped in (`templates/layout/`): HTML, plain text, and the
//! words they use in each language.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::faults::{Fault, Faults, line_of};
use crate::locale::Language;

use super::template::{add_checked, tera_faults};

/// The compiled layouts and their words.
#[derive(Debug)]
pub struct Layout {
    tera: tera::Tera,
    /// Each template's file and text, to name the line of a fault.
    sources: BTreeMap<&'static str, (PathBuf, String)>,
    strings: BTreeMap<Language, BTreeMap<String, String>>,
}

pub const HTML: &str = "base.html";
pub const TEXT: &str = "base.txt";

impl Layout {
    /// Reads `base.html`, `base.txt` and `strings.toml` from `dir`.
    ///
    /// # Errors
    /// Every fault, with file and line.
    pub fn load(dir: &Path) -> Result<Layout, Vec<Fault>> {
        let mut faults = Vec::new();
        let mut tera = tera::Tera::default();
        let mut sources = BTreeMap::new();
        for name in [HTML, TEXT] {
            let file = dir.join(name);
            match std::fs::read_to_string(&file) {
                Ok(source) => {
                    faults.extend(add_checked(&mut tera, name, &source, &file, 1));
                    sources.insert(name, (file, source));
                }
                Err(err) => faults.push(Fault::new(&file, 0, format!("cannot read: {err}"))),
            }
        }
        let strings = read_strings(&dir.join("strings.toml"), &mut faults);
        if faults.is_empty() {
            Ok(Layout {
                tera,
                sources,
                strings,
            })
        } else {
            Err(faults)
        }
    }

    /// Renders the layout `name` (`HTML` or `TEXT`).
    ///
    /// # Errors
    /// The fault, named by the layout's file and line.
    pub fn render(&self, name: &'static str, context: &tera::Context) -> Result<String, Faults> {
        self.tera.render(name, context).map_err(|err| {
            let faults = match self.sources.get(name) {
                Some((file, source)) => tera_faults(&err, file, 1, source),
                None => vec![Fault::new(Path::new(name), 0, "no such layout")],
            };
            Faults(faults)
        })
    }

    /// The layout's words in `lang`.
    pub fn strings(&self, lang: Language) -> &BTreeMap<String, String> {
        static EMPTY: BTreeMap<String, String> = BTreeMap::new();
        self.strings.get(&lang).unwrap_or(&EMPTY)
    }

    /// One word, or its key if missing.
    pub fn word(&self, lang: Language, key: &str) -> String {
        self.strings(lang)
            .get(key)
            .cloned()
            .unwrap_or_else(|| key.to_string())
    }
}

fn read_strings(
    file: &Path,
    faults: &mut Vec<Fault>,
) -> BTreeMap<Language, BTreeMap<String, String>> {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(err) => {
            faults.push(Fault::new(file, 0, format!("cannot read: {err}")));
            return BTreeMap::new();
        }
    };
    let raw: BTreeMap<String, BTreeMap<String, String>> = match toml::from_str(&text) {
        Ok(raw) => raw,
        Err(err) => {
            let line = err.span().map_or(0, |s| line_of(&text, s.start));
            faults.push(Fault::new(file, line, err.message().to_string()));
            return BTreeMap::new();
        }
    };
    let mut strings = BTreeMap::new();
    for (code, words) in raw {
        match code.parse::<Language>() {
            Ok(lang) => {
                strings.insert(lang, words);
            }
            Err(err) => faults.push(Fault::new(file, 0, err.to_string())),
        }
    }
    // Every language has every key of every other.
    let keys: std::collections::BTreeSet<&String> =
        strings.values().flat_map(|w| w.keys()).collect();
    for lang in Language::ALL {
        let words = strings.get(&lang);
        for key in &keys {
            if words.is_none_or(|w| !w.contains_key(*key)) {
                faults.push(Fault::new(file, 0, format!("[{lang}] has no `{key}`")));
            }
        }
    }
    strings
}
