//! What a human reply says: registration, withdrawal, decline, question or other; who is
//! registered; the question in the member's own words; and how sure the reading is.
//!
//! Pure: [`understand`] reads a [`Read`] (a message classified as a human reply) and
//! returns an [`Understanding`]. Only the member's own words count ([`Read::own_text`],
//! with answers written inline when the member points to them), never the quoted circular,
//! and never the signature below the closing.
//!
//! - `words`: the member's own words, without closing, signature and footers; sentences.
//! - `phrases`: the phrase lists, in English, French and Spanish.
//! - `signals`: what each sentence says, with the phrase that says it.
//! - `attendees`: who is named, from forms, tables, lists and sentences.
//! - `language`: the language of the member's own words.

mod attendees;
mod decide;
mod language;
mod phrases;
mod signals;
mod words;

use crate::inbound::read::Read;

/// Below this confidence a reply goes to the review queue instead of being acted on.
pub const REVIEW_BELOW: f32 = 0.6;

/// What a reply is about. A reply can be several at once (a registration and a question).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReplyKind {
    /// Someone will come (also a replacement: a new attendee instead of the member).
    Registration,
    /// An earlier registration is withdrawn, whole or for one attendee.
    RegistrationCancel,
    /// Something the secretariat must answer by hand.
    Question,
    /// Nobody will come, and nobody was registered.
    Declines,
    /// Thanks, acknowledgements, comments, promises to confirm later.
    Other,
}

impl ReplyKind {
    /// The name used in the database, the CLI and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyKind::Registration => "registration",
            ReplyKind::RegistrationCancel => "registration_cancel",
            ReplyKind::Question => "question",
            ReplyKind::Declines => "declines",
            ReplyKind::Other => "other",
        }
    }
}

/// A person registered by the reply, as written; `""` for what was not given.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Attendee {
    /// Without a courtesy title ("Mr.", "Mme", "Ing."), otherwise as written.
    pub name: String,
    /// As written: "Deputy Mayor", "chef du service Innovation".
    pub position: String,
    /// As written, without `mailto:`, brackets or a final stop.
    pub email: String,
}

impl Attendee {
    /// The member as they are on the list: who registers when they name nobody.
    pub fn of_member(member: &crate::members::Member) -> Attendee {
        Attendee {
            name: member.name.clone(),
            position: member.position.clone(),
            email: member.email.to_string(),
        }
    }
}

/// What a human reply says, and why it was read so.
#[derive(Debug, Clone, PartialEq)]
pub struct Understanding {
    /// What the reply is about; never empty ([`ReplyKind::Other`] when nothing else).
    pub kinds: Vec<ReplyKind>,
    /// From 0 to 1; below [`REVIEW_BELOW`] the reply goes to review.
    pub confidence: f32,
    /// Why, in plain words.
    pub reasons: Vec<String>,
    /// Who is registered besides the member (everyone, when the member is listed too).
    pub attendees: Vec<Attendee>,
    /// The member registers themself.
    pub itself: bool,
    /// The member's own words of the question.
    pub question: Option<String>,
    /// "en", "fr" or "es": the language of the member's own words, when clear.
    pub language: Option<&'static str>,
}

impl Understanding {
    /// Whether the secretariat should look at this reply before anything is done.
    pub fn needs_review(&self) -> bool {
        self.confidence < REVIEW_BELOW
    }

    /// Whether the reply is of `kind`.
    pub fn is(&self, kind: ReplyKind) -> bool {
        self.kinds.contains(&kind)
    }
}

/// What the human reply `read` says. Pure and total: an empty reply is [`ReplyKind::Other`]
/// with a low confidence.
pub fn understand(read: &Read) -> Understanding {
    let words = words::Words::of(read);
    let subject = read.subject.as_deref().unwrap_or("");
    let signals = signals::Signals::of(&words.body, &words.all, subject);
    let mut found = attendees::find(&words.body);
    let form = decide::form_file(read);
    if let Some(file) = &form
        && found.attendees.is_empty()
    {
        found = attendees::find(&file.text);
    }
    let mut understanding = decide::decide(read, &signals, found, form.as_ref());
    understanding.language =
        language::language(&words.body).or_else(|| language::language(&words.all));
    understanding
}

#[cfg(test)]
mod tests;
