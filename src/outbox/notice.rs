//! Notices: a message to one member about a circular, made once when it is queued and sent
//! through the outbox like any delivery (purpose `notice:<name>`): the confirmation of an
//! unsubscribe request, and the answers to replies (`notice:<kind>:<answer id>`). Their
//! texts are `templates/mail/<name>.<lang>.md`, rendered in the circular's layout as
//! frozen when it was sent, and threaded to the member's message.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use super::rounds::{self, RoundError};
use crate::circulars::Rendered;
use crate::circulars::escape_html;
use crate::circulars::message::MessageError;
use crate::circulars::message::{self, Envelope};
use crate::circulars::{Layout, Recipient, Renderer, Settings, definition, reminder};
use crate::config::{Config, SenderConfig};
use crate::faults::Faults;
use crate::locale::Language;
use crate::mail::DkimSigner;
use crate::replies::Attendee;
use crate::store::{AnswerKind, DeliveryRef, NewNotice, Store, StoreError};
use crate::tokens::Signer;

/// The purpose of the unsubscribe confirmation.
pub const UNSUBSCRIBED: &str = "notice:unsubscribed";

/// Why a notice cannot be made.
#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Round(#[from] RoundError),
    #[error("circular {0} has no frozen files: it was never started")]
    NotStarted(i64),
    #[error("the notice's texts do not load:\n{0}")]
    Faults(#[from] Faults),
    #[error("member {0} is not in the database")]
    UnknownMember(i64),
    #[error("committee {0} is not in the database")]
    UnknownCommittee(i64),
    #[error("cannot build the message: {0}")]
    Message(#[from] MessageError),
}

/// Makes notices.
pub struct Notices {
    store: Store,
    settings: Settings,
    sender: SenderConfig,
    supported: Vec<Language>,
    signing_key: Vec<u8>,
    snapshots: PathBuf,
    mail_dir: PathBuf,
    dkim: Option<DkimSigner>,
}

impl Notices {
    pub fn new(
        store: Store,
        config: &Config,
        signing_key: Vec<u8>,
        dkim: Option<DkimSigner>,
    ) -> Notices {
        Notices {
            store,
            settings: Settings::from_config(config),
            sender: config.sender.clone(),
            supported: config.locale.supported.clone(),
            signing_key,
            snapshots: config.data.dir.join("snapshots"),
            mail_dir: config.templates.dir.join("mail"),
            dkim,
        }
    }

    /// The confirmation that the member of `delivery` gets no more circulars, in the
    /// language they received it in, answering `reply_to` (their message's Message-ID).
    ///
    /// # Errors
    /// The circular's frozen files, the notice's texts or the member cannot be read.
    pub async fn unsubscribed(
        &self,
        delivery: &DeliveryRef,
        reply_to: Option<&str>,
    ) -> Result<NewNotice, NoticeError> {
        let notice = Notice {
            name: "unsubscribed",
            purpose: UNSUBSCRIBED.to_string(),
            message_id: format!(
                "circular-{:03}.unsubscribed.member-{}@{}",
                delivery.number, delivery.member_id, self.sender.reply_domain
            ),
            in_reply_to: reply_to.map_or_else(|| delivery.message_id.clone(), str::to_string),
            references: Vec::new(),
            auto_submitted: "auto-replied",
            extra: None,
            blocks: Vec::new(),
        };
        self.make(delivery, notice).await
    }

    /// An automatic answer to the member of `delivery` (or the secretariat's answer to
    /// their question), threaded under `thread` (their reply's Message-ID and References).
    ///
    /// # Errors
    /// The circular's frozen files, the answer's texts or the member cannot be read.
    pub async fn answer(
        &self,
        delivery: &DeliveryRef,
        answer: &Answer<'_>,
    ) -> Result<NewNotice, NoticeError> {
        let name = answer.kind.as_str();
        let (in_reply_to, references) = match &answer.thread {
            Some((parent, above)) => (parent.clone(), above.clone()),
            None => (delivery.message_id.clone(), Vec::new()),
        };
        let notice = Notice {
            name,
            purpose: format!("notice:{name}:{}", answer.id),
            message_id: format!(
                "circular-{:03}.{name}-{}.member-{}@{}",
                delivery.number, answer.id, delivery.member_id, self.sender.reply_domain
            ),
            in_reply_to,
            references,
            auto_submitted: if answer.kind == AnswerKind::Answer {
                "no"
            } else {
                "auto-replied"
            },
            extra: Some(reminder::answer_context(
                answer.seats,
                answer.late,
                answer.markdown.unwrap_or(""),
            )),
            blocks: vec![
                (reminder::ATTENDEES_MARK, attendees_block(answer.attendees)),
                (
                    reminder::QUESTION_MARK,
                    question_block(answer.question.unwrap_or("")),
                ),
            ],
        };
        self.make(delivery, notice).await
    }

    async fn make(
        &self,
        delivery: &DeliveryRef,
        notice: Notice<'_>,
    ) -> Result<NewNotice, NoticeError> {
        let (root, folder) = rounds::frozen(&self.store, &self.snapshots, delivery.circular_id)
            .await?
            .ok_or(NoticeError::NotStarted(delivery.circular_id))?;
        let circular = definition::load(&folder, &self.supported).map_err(Faults)?;
        let circular = reminder::mail_of(&circular, &self.mail_dir, notice.name).map_err(Faults)?;
        let layout = Layout::load(&root.join("layout")).map_err(Faults)?;
        let mut renderer = Renderer::new(
            Arc::new(circular),
            Arc::new(layout),
            self.settings.clone(),
            Signer::new(&self.signing_key),
        )?;
        if let Some(extra) = notice.extra {
            renderer = renderer.with_context(extra);
        }
        let member = self
            .store
            .member_by_id(delivery.member_id)
            .await?
            .ok_or(NoticeError::UnknownMember(delivery.member_id))?;
        let committee = self
            .store
            .committees()
            .await?
            .into_iter()
            .find_map(|(id, committee)| (id == delivery.committee_id).then_some(committee))
            .ok_or(NoticeError::UnknownCommittee(delivery.committee_id))?;
        let to = Recipient {
            member_id: member.id,
            member: &member.member,
            committee: &committee,
            role: &delivery.role,
        };
        let mut rendered = renderer.render(to, delivery.language)?;
        for (mark, block) in &notice.blocks {
            block.fill(&mut rendered, mark);
        }
        let envelope = Envelope {
            from_name: &self.sender.from_name,
            from_address: &self.sender.from_address,
            to_name: &member.member.name,
            to: &member.member.email,
            message_id: notice.message_id.clone(),
            date: SystemTime::now(),
            committee: &committee,
            list_domain: &self.sender.reply_domain,
            in_reply_to: Some(notice.in_reply_to),
            references: notice.references,
            auto_submitted: notice.auto_submitted,
        };
        let mut built = message::build(&rendered, &[], &envelope)?;
        if let Some(dkim) = &self.dkim {
            dkim.sign(&mut built);
        }
        Ok(NewNotice {
            circular_id: delivery.circular_id,
            member_id: member.id,
            committee_id: delivery.committee_id,
            role: delivery.role.clone(),
            purpose: notice.purpose,
            language: rendered.language.to_string(),
            message_id: notice.message_id,
            raw: built.formatted(),
        })
    }
}

/// What an automatic answer says.
#[derive(Debug, Clone)]
pub struct Answer<'a> {
    /// The answer's id: one notice per answer.
    pub id: i64,
    pub kind: AnswerKind,
    /// The reply answered: its Message-ID, and the References above it.
    pub thread: Option<(String, Vec<String>)>,
    pub attendees: &'a [Attendee],
    pub seats: u32,
    pub late: bool,
    /// The member's question, for the secretariat's answer.
    pub question: Option<&'a str>,
    /// The secretariat's answer, in Markdown.
    pub markdown: Option<&'a str>,
}

/// A notice to make: its texts, identity, thread and extra variables.
struct Notice<'a> {
    /// Of its texts, `templates/mail/<name>.<lang>.md`.
    name: &'a str,
    purpose: String,
    message_id: String,
    in_reply_to: String,
    references: Vec<String>,
    /// `auto-replied`, or `no` for the secretariat's own answer.
    auto_submitted: &'static str,
    extra: Option<tera::Context>,
    /// What a member wrote, put in place of its marker once rendered, escaped for HTML.
    blocks: Vec<(&'static str, Block)>,
}

/// A member's words, as plain text and as HTML.
struct Block {
    text: String,
    html: String,
}

impl Block {
    fn fill(&self, rendered: &mut Rendered, mark: &str) {
        rendered.text = rendered.text.replace(mark, &self.text);
        rendered.html = block_in_place(&rendered.html, mark, &self.html);
    }
}

/// `html` with `block` for `mark`: the paragraph the mark stands alone in (whatever style
/// the layout gives it) is replaced whole, so that a list or a quote is not inside a `<p>`.
fn block_in_place(html: &str, mark: &str, block: &str) -> String {
    let mut out = String::with_capacity(html.len() + block.len());
    let mut rest = html;
    while let Some(at) = rest.find(mark) {
        let (before, after) = (&rest[..at], &rest[at + mark.len()..]);
        let opening = before
            .rfind("<p")
            .filter(|&p| before[p..].ends_with('>') && !before[p..].contains("</"));
        match (opening, after.strip_prefix("</p>")) {
            (Some(p), Some(after)) => {
                out.push_str(&before[..p]);
                out.push_str(block);
                rest = after;
            }
            _ => {
                out.push_str(before);
                out.push_str(block);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn attendees_block(attendees: &[Attendee]) -> Block {
    let line = |a: &Attendee| {
        let mut line = a.name.clone();
        for extra in [&a.position, &a.email] {
            if !extra.is_empty() {
                if !line.is_empty() {
                    line.push_str(", ");
                }
                line.push_str(extra);
            }
        }
        line
    };
    let lines: Vec<String> = attendees.iter().map(line).collect();
    Block {
        text: lines
            .iter()
            .map(|l| format!("- {l}"))
            .collect::<Vec<_>>()
            .join("\n"),
        html: format!(
            "<ul>{}</ul>",
            lines
                .iter()
                .map(|l| format!("<li>{}</li>", escape_html(l)))
                .collect::<String>()
        ),
    }
}

fn question_block(question: &str) -> Block {
    let lines: Vec<&str> = question.trim().lines().collect();
    Block {
        text: lines
            .iter()
            .map(|l| format!("> {l}").trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n"),
        html: format!(
            "<blockquote><p>{}</p></blockquote>",
            lines
                .iter()
                .map(|l| escape_html(l))
                .collect::<Vec<_>>()
                .join("<br>")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::block_in_place;

    #[test]
    fn a_block_replaces_the_paragraph_its_mark_stands_alone_in() {
        let html =
            "<p style=\"margin:0\">Dear Ana,</p>\n<p style=\"margin:0\">MARK</p>\n<p>Bye MARK.</p>";
        assert_eq!(
            block_in_place(html, "MARK", "<ul><li>Ana</li></ul>"),
            "<p style=\"margin:0\">Dear Ana,</p>\n<ul><li>Ana</li></ul>\n<p>Bye <ul><li>Ana</li></ul>.</p>"
        );
    }
}
