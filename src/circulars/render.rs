//! Rendering a circular for a member, in their language.
//!
//! Tera and Markdown run once per circular and *shape* (committee, language, the member's
//! role, and which member fields are empty, since a template may test them: see
//! [`logic`](super::logic)), with each member value replaced by
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
use super::settings::Settings;
use super::template::{add_checked, tera_faults, tera_for, typography};
use crate::faults::{Fault, Faults};
use crate::locale::Language;
use crate::members::{Committee, Member};
use crate::tokens::{Purpose, Signer};

/// Who a mail is for.
#[derive(Debug, Clone, Copy)]
pub struct Recipient<'a> {
    pub member_id: i64,
    pub member: &'a Member,
    pub committee: &'a Committee,
    /// The member's role in that committee, as `Role::as_str()` writes it (`chair`).
    pub role: &'a str,
}

impl Recipient<'_> {
    /// The language asked for: `lang` if given, else the member's own, else their
    /// committee's.
    pub fn wanted_language(&self, lang: Option<Language>) -> Language {
        lang.or(self.member.language)
            .unwrap_or(self.committee.language)
    }
}

/// What a compiled text depends on besides the member's values.
#[derive(Debug, Clone, Copy)]
pub(super) struct Shape<'a> {
    pub committee: &'a Committee,
    pub language: Language,
    pub role: &'a str,
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

type ShapeKey = (String, Language, String, u8);

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
    /// (committee, language, role, empty-field mask) → compiled shape.
    cache: Mutex<HashMap<ShapeKey, Arc<Compiled>>>,
    /// Languages already logged as missing: one warning each, not one per member.
    fallbacks: Mutex<HashSet<Language>>,
    /// Variables beyond the circular's, for automatic mails (`registration`, `attendees`).
    pub(super) extra: Option<tera::Context>,
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
            let file = &text.file;
            faults.extend(add_checked(
                &mut tera,
                "subject",
                &text.subject,
                file,
                text.subject_line,
            ));
            faults.extend(add_checked(
                &mut tera,
                "body",
                &text.body,
                file,
                text.body_line,
            ));
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
            extra: None,
        })
    }

    /// The same, with `extra` variables besides the circular's. They are not escaped:
    /// anything a member wrote goes in as a marker replaced after rendering.
    #[must_use]
    pub fn with_context(mut self, extra: tera::Context) -> Renderer {
        self.extra = Some(extra);
        self
    }

    pub fn circular(&self) -> &Circular {
        &self.circular
    }

    /// The language read by who wants `wanted`: that one if the circular is written in it,
    /// else their committee's, else the default, else the circular's first.
    pub fn language_for(&self, wanted: Language, committee: &Committee) -> Language {
        let available = &self.circular.languages;
        [wanted, committee.language, self.settings.default_language]
            .into_iter()
            .find(|l| available.contains(l))
            .or(available.first().copied())
            .unwrap_or(wanted)
    }

    /// Renders the circular for `to`, in `lang` (or their language).
    ///
    /// # Errors
    /// A template refers to something the circular does not define.
    pub fn render(&self, to: Recipient<'_>, lang: Option<Language>) -> Result<Rendered, Faults> {
        let wanted = to.wanted_language(lang);
        let language = self.language_for(wanted, to.committee);
        let fallback = language != wanted;
        if fallback {
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
        let shape = Shape {
            committee: to.committee,
            language,
            role: to.role,
        };
        let compiled = self.compiled(shape, mask)?;
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

    fn compiled(&self, shape: Shape<'_>, mask: u8) -> Result<Arc<Compiled>, Faults> {
        let key = (
            shape.committee.slug.clone(),
            shape.language,
            shape.role.to_string(),
            mask,
        );
        if let Some(found) = self.cache.lock().expect("render cache").get(&key) {
            return Ok(found.clone());
        }
        let compiled = Arc::new(self.compile(shape, mask)?);
        self.cache
            .lock()
            .expect("render cache")
            .insert(key, compiled.clone());
        Ok(compiled)
    }

    /// Runs Tera, Markdown and the layout with placeholders for the member's values.
    fn compile(&self, shape: Shape<'_>, mask: u8) -> Result<Compiled, Faults> {
        let slot = |i: usize| {
            if i < MEMBER_FIELDS && mask & (1 << i) != 0 {
                String::new()
            } else {
                placeholder(i)
            }
        };
        let (subject, text, html) = self.compose(shape, &slot)?;
        Ok(Compiled {
            subject: Pieces::split(&subject),
            text: Pieces::split(&text),
            html: Pieces::split(&html),
        })
    }

    /// The subject, plain text and HTML of the circular with `slot(i)` for each member
    /// value.
    fn compose(
        &self,
        shape: Shape<'_>,
        slot: &dyn Fn(usize) -> String,
    ) -> Result<(String, String, String), Faults> {
        let lang = shape.language;
        let (Some(text), Some(tera)) = (self.circular.texts.get(&lang), self.templates.get(&lang))
        else {
            let file = self.circular.dir.join(format!("{lang}.md"));
            return Err(Faults(vec![Fault::new(
                &file,
                0,
                "no text in this language",
            )]));
        };
        let context = self.context(shape, slot);
        let fault = |err: tera::Error, first_line: usize, source: &str| {
            Faults(tera_faults(&err, &text.file, first_line, source))
        };
        let subject = tera
            .render("subject", &context)
            .map_err(|e| fault(e, text.subject_line, &text.subject))?;
        let subject = typography(lang, &subject);
        let body = tera
            .render("body", &context)
            .map_err(|e| fault(e, text.body_line, &text.body))?;
        let body = typography(lang, &body);

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

    /// Where `serve` publishes a linked document.
    pub fn document_url(&self, file: &str) -> String {
        format!(
            "{}/circulars/{}/documents/{file}",
            self.settings.public_url.trim_end_matches('/'),
            self.circular.number
        )
    }
}
