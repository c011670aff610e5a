//! A circular's reminder, or a notice about it (an unsubscribe confirmation, an answer to a
//! reply): the circular itself, with the texts of `templates/mail/<name>.<lang>.md` in
//! place of its own.

use std::collections::BTreeMap;
use std::path::Path;

use super::definition::{Circular, parse_text};
use crate::faults::Fault;

/// The texts of the answers to replies, in `templates/mail/`.
pub const ANSWERS: [&str; 6] = [
    "confirmed",
    "waitlisted",
    "promoted",
    "refused",
    "withdrawn",
    "answer",
];

/// What `{{ attendees }}` and `{{ question }}` stand for while an answer is rendered: the
/// member's words are put in their place afterwards, escaped for HTML.
pub const ATTENDEES_MARK: &str = "CIRCULARSATTENDEESBLOCK";
pub const QUESTION_MARK: &str = "CIRCULARSQUESTIONBLOCK";

/// The variables the texts of answers use besides the circular's: `registration.seats`,
/// `registration.late`, `attendees`, `question` and `answer` (the secretariat's Markdown).
pub fn answer_context(seats: u32, late: bool, answer: &str) -> tera::Context {
    let mut context = tera::Context::new();
    context.insert(
        "registration",
        &serde_json::json!({"seats": seats, "late": late}),
    );
    context.insert("attendees", ATTENDEES_MARK);
    context.insert("question", QUESTION_MARK);
    context.insert("answer", answer);
    context
}

/// The circular as its reminder: the same definition (so a [`Renderer`](super::Renderer)
/// renders it for a member with the same links, reply address, layout and cache) with the
/// texts of `mail_dir/reminder.<lang>.md` for each of the circular's languages, so that a
/// member reads the reminder in the language they read the circular in, and with no
/// documents, so nothing is attached again.
///
/// `mail_dir` is `templates/mail/` (the `mail` folder of `[templates] dir`).
///
/// # Errors
/// A reminder text missing for one of the circular's languages, or whose front matter is
/// wrong, each named by file and line.
pub fn reminder_of(circular: &Circular, mail_dir: &Path) -> Result<Circular, Vec<Fault>> {
    mail_of(circular, mail_dir, "reminder")
}

/// The circular as the mail `name` about it (`templates/mail/<name>.<lang>.md`), like
/// [`reminder_of`].
///
/// # Errors
/// A text missing for one of the circular's languages, or whose front matter is wrong.
pub fn mail_of(circular: &Circular, mail_dir: &Path, name: &str) -> Result<Circular, Vec<Fault>> {
    let mut texts = BTreeMap::new();
    let mut faults = Vec::new();
    for &lang in &circular.languages {
        let file = mail_dir.join(format!("{name}.{lang}.md"));
        let text = std::fs::read_to_string(&file)
            .map_err(|err| {
                Fault::new(
                    &file,
                    0,
                    format!(
                        "cannot read the {name} of circular {} in `{lang}`: {err}",
                        circular.number
                    ),
                )
            })
            .and_then(|source| parse_text(&file, &source));
        match text {
            Ok(text) => {
                texts.insert(lang, text);
            }
            Err(fault) => faults.push(fault),
        }
    }
    if !faults.is_empty() {
        return Err(faults);
    }
    Ok(Circular {
        texts,
        documents: Vec::new(),
        ..circular.clone()
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use super::*;
    use crate::circulars::check::sample_members;
    use crate::circulars::{Layout, Recipient, Rendered, Renderer, Settings, definition};
    use crate::locale::Language;
    use crate::members::{Committee, CommitteeNames};
    use crate::tokens::Signer;

    fn project() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn circular_30() -> Circular {
        let dir = project().join("templates/circulars/030-smart-local-governance");
        definition::load(&dir, &Language::ALL).unwrap()
    }

    fn committee() -> Committee {
        Committee {
            slug: "digital-cities".into(),
            language: Language::En,
            name: CommitteeNames {
                en: "Committee on Digital and Knowledge-Based Cities".into(),
                fr: "Commission des Villes Numériques et de la Connaissance".into(),
                es: "Comisión de Ciudades Digitales y del Conocimiento".into(),
            },
        }
    }

    fn renderer(circular: Circular) -> Renderer {
        let layout = Layout::load(&project().join("templates/layout")).unwrap();
        let settings = Settings {
            reply_local: "circulars".into(),
            reply_domain: "uclg.example.org".into(),
            public_url: "https://circulars.uclg.example.org".into(),
            default_language: Language::En,
        };
        Renderer::new(
            Arc::new(circular),
            Arc::new(layout),
            settings,
            Signer::new(b"test"),
        )
        .unwrap()
    }

    fn render(renderer: &Renderer, lang: Language, with_name: bool) -> Rendered {
        let [full, bare] = sample_members();
        let committee = committee();
        let to = Recipient {
            member_id: 7,
            member: if with_name { &full } else { &bare },
            committee: &committee,
            role: "member",
        };
        renderer.render(to, Some(lang)).unwrap()
    }

    #[test]
    fn the_reminder_reaches_each_member_by_name_with_the_deadline_in_their_language() {
        let circular = circular_30();
        let reminder = renderer(reminder_of(&circular, &project().join("templates/mail")).unwrap());
        let original = renderer(circular);
        let cases = [
            (
                Language::En,
                "Reminder – Circular 30",
                "Dear Ana Pérez,",
                "24 October 2014",
            ),
            (
                Language::Fr,
                "Rappel – Circulaire 30",
                "Chère, cher Ana Pérez,",
                "24 octobre 2014",
            ),
            (
                Language::Es,
                "Recordatorio – Circular 30",
                "Estimado/a Ana Pérez:",
                "24 de octubre de 2014",
            ),
        ];
        for (lang, subject, greeting, deadline) in cases {
            let mail = render(&reminder, lang, true);
            assert_eq!(mail.language, lang);
            assert!(mail.subject.starts_with(subject), "{}", mail.subject);
            assert!(mail.subject.contains(deadline), "{}", mail.subject);
            assert!(mail.text.contains(greeting), "{lang}: {}", mail.text);
            assert!(mail.text.contains(deadline), "{lang}: {}", mail.text);
            assert!(mail.html.contains(deadline), "{lang}");
            assert!(mail.text.contains("Bilbao"), "{lang}");
            let circular = render(&original, lang, true);
            assert_eq!(
                mail.reply_to, circular.reply_to,
                "replies reach the circular"
            );
            assert!(
                mail.text.contains(&circular.reply_to),
                "{lang}: the register link is the member's own"
            );
        }
    }

    #[test]
    fn a_member_without_a_name_is_greeted_as_a_committee_member() {
        let circular = circular_30();
        let reminder = renderer(reminder_of(&circular, &project().join("templates/mail")).unwrap());
        let mail = render(&reminder, Language::Fr, false);
        assert!(
            mail.text.contains("Chers membres de la Commission,"),
            "{}",
            mail.text
        );
    }

    #[test]
    fn a_reminder_attaches_nothing_and_keeps_the_circulars_number_and_languages() {
        let circular = circular_30();
        let reminder = reminder_of(&circular, &project().join("templates/mail")).unwrap();
        assert!(reminder.documents.is_empty());
        assert_eq!(reminder.number, 30);
        assert_eq!(reminder.languages, circular.languages);
        assert!(
            reminder.texts[&Language::Es]
                .file
                .ends_with("reminder.es.md")
        );
    }

    #[test]
    fn a_missing_or_broken_reminder_text_is_named_by_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("reminder.fr.md"),
            "+++\nsubject = \n+++\nBonjour\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("reminder.en.md"),
            "+++\nsubject = 'Reminder'\n+++\nHello\n",
        )
        .unwrap();
        let faults = reminder_of(&circular_30(), dir.path()).unwrap_err();
        let shown: Vec<String> = faults.iter().map(ToString::to_string).collect();
        assert_eq!(faults.len(), 2, "{shown:?}");
        assert!(shown[0].contains("reminder.fr.md:2:"), "{shown:?}");
        assert!(
            shown[1].contains("reminder.es.md:0: cannot read"),
            "{shown:?}"
        );
    }
}
