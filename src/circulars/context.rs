//! The Tera context of a circular: what its templates can refer to.

use std::collections::HashMap;

use serde::Serialize;
use tera::Context;

use super::definition::Localized;
use super::render::{Renderer, Shape};
use crate::locale::Language;

impl Renderer {
    /// The Tera context of a circular in one shape: `slot(i)` stands for each member value.
    pub(super) fn context(&self, shape: Shape<'_>, slot: &dyn Fn(usize) -> String) -> Context {
        let Shape {
            committee,
            language: lang,
            role,
        } = shape;
        let c = &self.circular;
        let pick = |l: &Localized| pick(l, lang, &c.languages);
        let mut context = Context::new();
        context.insert("lang", lang.code());
        context.insert(
            "member",
            &HashMap::from([
                ("name", slot(0)),
                ("email", slot(1)),
                ("position", slot(2)),
                ("organisation", slot(3)),
                ("city", slot(4)),
                ("country", slot(5)),
                ("role", role.to_string()),
            ]),
        );
        context.insert(
            "links",
            &HashMap::from([
                ("register", slot(6)),
                ("unsubscribe", slot(7)),
                ("reply", slot(8)),
            ]),
        );
        context.insert(
            "committee",
            &HashMap::from([
                ("slug", committee.slug.as_str()),
                ("name", committee.name.get(lang)),
            ]),
        );
        context.insert(
            "circular",
            &CircularContext {
                number: c.number,
                date: c.send_at.map(|w| w.to_template_value()),
                deadline: c.deadline.map(|w| w.to_template_value()),
                capacity: c.capacity,
                contact: &c.contact,
            },
        );
        if let Some(event) = &c.event {
            context.insert(
                "event",
                &EventContext {
                    title: pick(&event.title),
                    place: pick(&event.place),
                    start: event.start.to_template_value(),
                    end: event.end.to_template_value(),
                    timezone: event.timezone.name(),
                    sessions: event.sessions.iter().map(pick).collect(),
                },
            );
        }
        let documents: Vec<DocumentContext> = c
            .documents
            .iter()
            .map(|d| DocumentContext {
                title: pick(&d.title),
                note: if d.note.is_empty() {
                    String::new()
                } else {
                    pick(&d.note)
                },
                versions: d
                    .files
                    .iter()
                    .map(|(&version, file)| VersionContext {
                        language: version.code(),
                        language_name: in_sentence(lang, lang.name_of(version)),
                        filename: file.clone(),
                        url: if d.attach {
                            String::new()
                        } else {
                            self.document_url(file)
                        },
                    })
                    .collect(),
            })
            .collect();
        context.insert("documents", &documents);
        let attached: Vec<&str> = c
            .documents
            .iter()
            .filter(|d| d.attach)
            .flat_map(|d| d.files.values().map(String::as_str))
            .collect();
        context.insert("attachments", &attached);
        if let Some(extra) = &self.extra {
            context.extend(extra.clone());
        }
        context
    }
}

#[derive(Serialize)]
struct CircularContext<'a> {
    number: u32,
    date: Option<String>,
    deadline: Option<String>,
    capacity: Option<u32>,
    contact: &'a str,
}

#[derive(Serialize)]
struct EventContext<'a> {
    title: String,
    place: String,
    start: String,
    end: String,
    timezone: &'a str,
    sessions: Vec<String>,
}

#[derive(Serialize)]
struct DocumentContext {
    title: String,
    note: String,
    versions: Vec<VersionContext>,
}

#[derive(Serialize)]
struct VersionContext {
    language: &'static str,
    /// As written inside a sentence: "anglais", "inglés", "English".
    language_name: String,
    filename: String,
    url: String,
}

/// A language's name as `lang` writes it inside a sentence: French and Spanish write
/// language names in lower case, English with a capital.
fn in_sentence(lang: Language, name: &str) -> String {
    match lang {
        Language::En => name.to_string(),
        Language::Fr | Language::Es => name.to_lowercase(),
    }
}

/// A localised text in `lang`, else in the circular's first language that has it.
fn pick(text: &Localized, lang: Language, order: &[Language]) -> String {
    text.get(&lang)
        .or_else(|| order.iter().find_map(|l| text.get(l)))
        .or_else(|| text.values().next())
        .cloned()
        .unwrap_or_default()
}
