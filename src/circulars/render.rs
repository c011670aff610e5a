//! Rendering a circular for a member, in their language.
//!
//! Tera and Markdown run once per circular, language, committee and *shape* (which member
//! fields are empty, since a template may test them), with each member value replaced by
//! a placeholder. The result is kept as literal pieces and slots; a member's mail is then
//! only their values put in the slots, HTML-escaped in the HTML. So rendering never limits
//! sending, and member data can neither inject HTML nor be read as Markdown.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use super::definition::Circular;
use super::layout::{self, Layout};
use super::markdown;
use super::pieces::{
    MEMBER_FIELDS, Pieces, REPLY, UNSUBSCRIBE, escape_html, one_line, placeholder,
};
use super::template::{tera_faults, tera_for};
use crate::faults::{Fault, Faults};
use crate::locale::Language;
use crate::members::{Committee, Member};
use crate::tokens::{Purpose, Signer};

/// What rendering needs from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    pub reply_local: String,
    pub reply_domain: String,
    /// Base of the one-click unsubscribe and document links.
    pub public_url: String,
    pub default_language: Language,
}

/// Who a mail is for.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    pub member_id: i64,
    pub member: &'a Member,
    pub committee: &'a Committee,
}

/// A rendered mail body, ready to be put in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub language: Language,
    /// The member's language was not available and another was used.
    pub fallback: bool,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub reply_to: String,
    pub unsubscribe_url: String,
    pub unsubscribe_mailto: String,
}

/// One compiled shape.
#[derive(Debug)]
struct Compiled {
    subject: Pieces,
    text: Pieces,
    html: Pieces,
}

/// Renders one circular for any member. Cheap to share between workers.
pub struct Renderer {
    pub(super) circular: Arc<Circular>,
    pub(super) layout: Arc<Layout>,
    pub(super) settings: Settings,
    signer: Signer,
    /// Subject and body templates of each language.
    templates: HashMap<Language, tera::Tera>,
    /// (committee, language, empty-field mask) → compiled shape.
    cache: Mutex<HashMap<(String, Language, u8), Arc<Compiled>>>,
    /// Languages already logged as missing: one warning each, not one per member.
    fallbacks: Mutex<HashSet<Language>>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("circular", &self.circular.number)
            .finish()
    }
}

impl Renderer {
    /// Parses the circular's templates.
    ///
    /// # Errors
    /// A template with a syntax error, named by file and line.
    pub fn new(
        circular: Arc<Circular>,
        layout: Arc<Layout>,
        settings: Settings,
        signer: Signer,
    ) -> Result<Renderer, Faults> {
        let mut templates = HashMap::new();
        let mut faults = Vec::new();
        for (&lang, text) in &circular.texts {
            let mut tera = tera_for(lang);
            if let Err(err) = tera.add_raw_template("subject", &text.subject) {
                faults.extend(tera_faults(
                    &err,
                    &text.file,
                    text.subject_line,
                    &text.subject,
                ));
            }
            if let Err(err) = tera.add_raw_template("body", &text.body) {
                faults.extend(tera_faults(&err, &text.file, text.body_line, &text.body));
            }
            templates.insert(lang, tera);
        }
        if !faults.is_empty() {
            return Err(Faults(faults));
        }
        Ok(Renderer {
            circular,
            layout,
            settings,
            signer,
            templates,
            cache: Mutex::new(HashMap::new()),
            fallbacks: Mutex::new(HashSet::new()),
        })
    }

    pub fn circular(&self) -> &Circular {
        &self.circular
    }

    /// The language a member reads this circular in: theirs, else their committee's, else
    /// the default, else the circular's first; and whether that is a fallback.
    pub fn language_for(&self, member: &Member, committee: &Committee) -> (Language, bool) {
        let wanted = member.language.unwrap_or(committee.language);
        self.pick_language(&[wanted, committee.language, self.settings.default_language])
    }

    /// The first of `wanted` the circular is written in; `true` when it is not the first.
    pub fn pick_language(&self, wanted: &[Language]) -> (Language, bool) {
        let available = &self.circular.languages;
        let chosen = wanted
            .iter()
            .copied()
            .find(|l| available.contains(l))
            .unwrap_or(available[0]);
        (chosen, Some(&chosen) != wanted.first())
    }

    /// Renders the circular for `to`, in `lang` (or their language).
    ///
    /// # Errors
    /// A template refers to something the circular does not define.
    pub fn render(&self, to: Recipient<'_>, lang: Option<Language>) -> Result<Rendered, Faults> {
        let (language, fallback) = match lang {
            Some(lang) => {
                self.pick_language(&[lang, to.committee.language, self.settings.default_language])
            }
            None => self.language_for(to.member, to.committee),
        };
        if fallback {
            let wanted = lang.unwrap_or(to.member.language.unwrap_or(to.committee.language));
            let first_time = self.fallbacks.lock().expect("fallbacks").insert(wanted);
            if first_time {
                tracing::warn!(
                    circular = self.circular.number,
                    wanted = %wanted,
                    using = %language,
                    "circular not written in a member's language: using another"
                );
            }
            tracing::debug!(member = %to.member.email, using = %language, "language fallback");
        }
        let values = self.values(to, language);
        let mask = (0..MEMBER_FIELDS)
            .filter(|&i| values[i].is_empty())
            .fold(0u8, |mask, i| mask | (1 << i));
        let compiled = self.compiled(to.committee, language, mask)?;
        let escaped: Vec<String> = values.iter().map(|v| escape_html(v)).collect();
        let header_safe: Vec<String> = values.iter().map(|v| one_line(v)).collect();
        Ok(Rendered {
            language,
            fallback,
            subject: one_line(&compiled.subject.fill(&header_safe)),
            text: compiled.text.fill(&values),
            html: compiled.html.fill(&escaped),
            reply_to: values[REPLY].clone(),
            unsubscribe_url: values[UNSUBSCRIBE].clone(),
            unsubscribe_mailto: format!(
                "mailto:{}+u.{}@{}?subject=unsubscribe",
                self.settings.reply_local,
                self.signer.token(Purpose::Unsubscribe, 0, to.member_id),
                self.settings.reply_domain
            ),
        })
    }

    /// The member's values, in slot order.
    fn values(&self, to: Recipient<'_>, lang: Language) -> Vec<String> {
        let m = to.member;
        let number = self.circular.number;
        let reply = self.signer.reply_address(
            &self.settings.reply_local,
            &self.settings.reply_domain,
            number,
            to.member_id,
        );
        let subject = format!("{} {number}", self.layout.word(lang, "register_subject"));
        let register = format!(
            "mailto:{reply}?subject={}",
            percent_encoding::utf8_percent_encode(&subject, percent_encoding::NON_ALPHANUMERIC)
        );
        let unsubscribe = format!(
            "{}/unsubscribe/{}",
            self.settings.public_url.trim_end_matches('/'),
            self.signer.token(Purpose::Unsubscribe, 0, to.member_id)
        );
        vec![
            m.name.clone(),
            m.email.to_string(),
            m.position.clone(),
            m.organisation.clone(),
            m.city.clone(),
            m.country.clone(),
            register,
            unsubscribe,
            reply,
        ]
    }

    fn compiled(
        &self,
        committee: &Committee,
        lang: Language,
        mask: u8,
    ) -> Result<Arc<Compiled>, Faults> {
        let key = (committee.slug.clone(), lang, mask);
        if let Some(found) = self.cache.lock().expect("render cache").get(&key) {
            return Ok(found.clone());
        }
        let compiled = Arc::new(self.compile(committee, lang, mask)?);
        self.cache
            .lock()
            .expect("render cache")
            .insert(key, compiled.clone());
        Ok(compiled)
    }

    /// Runs Tera, Markdown and the layout with placeholders for the member's values.
    fn compile(&self, committee: &Committee, lang: Language, mask: u8) -> Result<Compiled, Faults> {
        let slot = |i: usize| {
            if i < MEMBER_FIELDS && mask & (1 << i) != 0 {
                String::new()
            } else {
                placeholder(i)
            }
        };
        let (subject, text, html) = self.compose(committee, lang, &slot)?;
        // A filter or comparison on a member value sees the placeholder, not the value:
        // what it leaves cannot be filled in, so refuse rather than send it.
        let mangled = [&subject, &text, &html].iter().any(|out| {
            out.to_ascii_lowercase().matches("qqv").count() != out.matches("QQV").count()
        });
        if mangled {
            return Err(self.member_logic_fault(lang));
        }
        Ok(Compiled {
            subject: Pieces::split(&subject),
            text: Pieces::split(&text),
            html: Pieces::split(&html),
        })
    }

    /// The fault of a template that does more with member values than insert them or
    /// test whether they are empty, at the first line that looks like it.
    fn member_logic_fault(&self, lang: Language) -> Faults {
        let text = &self.circular.texts[&lang];
        let suspicious = |line: &str| {
            line.split("{{")
                .chain(line.split("{%"))
                .skip(1)
                .any(|expr| {
                    let expr = expr.split(['}', '%']).next().unwrap_or_default();
                    (expr.contains("member.") || expr.contains("links."))
                        && ["|", "==", "!=", " in ", "<", ">"]
                            .iter()
                            .any(|op| expr.contains(op))
                })
        };
        let line = text
            .body
            .lines()
            .position(suspicious)
            .map_or(text.subject_line, |i| text.body_line + i);
        Faults(vec![Fault::new(
            &text.file,
            line,
            "a member value is filtered or compared: member values can only be inserted as they are, \
             or tested for being empty (`{% if member.name %}`)",
        )])
    }

    /// The subject, plain text and HTML of the circular with `slot(i)` for each member
    /// value.
    fn compose(
        &self,
        committee: &Committee,
        lang: Language,
        slot: &dyn Fn(usize) -> String,
    ) -> Result<(String, String, String), Faults> {
        let text = &self.circular.texts[&lang];
        let tera = &self.templates[&lang];
        let context = self.context(committee, lang, slot);
        let fault = |err: tera::Error, first_line: usize, source: &str| {
            Faults(tera_faults(&err, &text.file, first_line, source))
        };
        let subject = tera
            .render("subject", &context)
            .map_err(|e| fault(e, text.subject_line, &text.subject))?;
        let body = tera
            .render("body", &context)
            .map_err(|e| fault(e, text.body_line, &text.body))?;

        let mut outer = context.clone();
        outer.insert("subject", &subject);
        outer.insert("t", self.layout.strings(lang));
        outer.insert("body", &markdown::to_html(&body));
        let html = self.layout.render(layout::HTML, &outer)?;
        outer.insert(
            "body",
            &markdown::to_text(&body, &self.layout.word(lang, "links")),
        );
        let text = self.layout.render(layout::TEXT, &outer)?;
        Ok((subject, text, html))
    }

    /// Checks that rendering once per shape gives what rendering with `to`'s own values
    /// gives (subject and plain text). A template whose logic depends on member values
    /// beyond their emptiness fails here.
    ///
    /// # Errors
    /// The fault, at the template line that looks responsible.
    pub fn check_against_direct(&self, to: Recipient<'_>, lang: Language) -> Result<(), Faults> {
        let fast = self.render(to, Some(lang))?;
        let values = self.values(to, lang);
        let (subject, text, _) = self.compose(to.committee, lang, &|i| values[i].clone())?;
        if fast.subject == one_line(&subject) && fast.text == text {
            Ok(())
        } else {
            Err(self.member_logic_fault(lang))
        }
    }

    /// Where `serve` publishes a linked document.
    pub fn document_url(&self, file: &str) -> String {
        format!(
            "{}/circulars/{}/documents/{file}",
            self.settings.public_url.trim_end_matches('/'),
            self.circular.number
        )
    }
}
