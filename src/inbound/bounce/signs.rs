//! The signs that a message is a bounce: who sent it, its subject, the sentences mail servers
//! write, and where the notice ends and the returned original begins.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use mail_parser::Message;

/// Local parts and names that mail servers send bounces from.
const ROBOT_SENDERS: &[&str] = &[
    "mailer-daemon",
    "mailer_daemon",
    "mailerdaemon",
    "mail-daemon",
    "maildaemon",
    "postmaster",
    "post_master",
    "mail delivery",
    "mail administrator",
    "system administrator",
    "mail system",
    "mdaemon",
    "administrateur",
    "administrador",
];

/// Whether the sender, or the empty envelope sender, says the message came from a server.
pub fn from_server(message: &Message<'_>) -> bool {
    let from = message.from().and_then(|a| a.first());
    let address = from
        .and_then(|a| a.address())
        .unwrap_or_default()
        .to_lowercase();
    let name = from
        .and_then(|a| a.name())
        .unwrap_or_default()
        .to_lowercase();
    let local = address.split('@').next().unwrap_or_default();
    let robot = |text: &str| ROBOT_SENDERS.iter().any(|s| text.contains(s));
    // The envelope sender, as the last server wrote it: empty, or a server's own address.
    let return_path = message
        .header_raw("Return-Path")
        .map(|p| p.trim().trim_matches(['<', '>']).trim().to_lowercase());
    let return_local = return_path
        .as_deref()
        .map(|p| p.split('@').next().unwrap_or_default());
    let by_return_path = return_local.is_some_and(|l| l.is_empty() || robot(l));
    robot(local) || robot(&name) || by_return_path
}

/// Subjects of bounces and delay notices (lowercased).
const SUBJECTS: &[&str] = &[
    "undeliver",
    "undelivered",
    "returned mail",
    "returned to sender",
    "delivery status notification",
    "delivery failure",
    "delivery failed",
    "delivery notification",
    "delivery problem",
    "error sending",
    "failure notice",
    "failed delivery",
    "mail delivery",
    "mail failure",
    "could not be delivered",
    "not delivered",
    "nondeliverable",
    "non-deliverable",
    "delayed mail",
    "delivery delayed",
    "warning: message",
    "mail system error",
    "message status",
    "rejected",
    "mail failed",
    "failed mail",
    "returning to sender",
    "user unknown",
    "unknown user",
    "no such user",
    "non remis",
    "non distribuable",
    "non délivré",
    "remise différée",
    "distribution différée",
    "entrega retrasada",
    "échec de remise",
    "échec de la remise",
    "no entregado",
    "no se puede entregar",
    "no se pudo entregar",
    "notificación de estado de entrega",
    "error de entrega",
    "unzustellbar",
];

/// Whether the subject reads like a bounce's.
pub fn subject_says_bounce(subject: &str) -> bool {
    let subject = subject.to_lowercase();
    SUBJECTS.iter().any(|s| subject.contains(s))
}

/// Whether `subject` says a person forwards the message ("Fwd:", "TR :", "RV:" …).
pub fn forwarded(subject: &str) -> bool {
    crate::inbound::robots::forwarded_subject(&crate::inbound::read::fold(subject))
}

/// Sentences mail servers write in bounces (lowercased), with the format they point to.
const SENTENCES: &[(&str, &str)] = &[
    ("created automatically by mail delivery software", "exim"),
    ("the following address(es) failed", "exim"),
    (
        "could not be delivered to one or more of its recipients",
        "exim",
    ),
    ("this is the qmail-send program", "qmail"),
    ("wasn't able to deliver your message", "qmail"),
    ("i'm sorry to have to inform you", "postfix"),
    ("this is the mail system at host", "postfix"),
    ("delivery has failed to these recipients", "exchange"),
    ("remote server returned", "exchange"),
    ("did not reach the following recipient", "exchange"),
    ("couldn't be delivered to", "exchange"),
    ("the following recipient(s) cannot be reached", "exchange"),
    ("delivery to the following recipient failed", "gmail"),
    ("delivery to the following recipients failed", "gmail"),
    ("google tried to deliver your message", "gmail"),
    ("your message wasn't delivered", "gmail"),
    ("address not found", "gmail"),
    (
        "unable to deliver your message to the following address",
        "yahoo",
    ),
    ("the original message was received at", "sendmail"),
    ("transcript of session follows", "sendmail"),
    ("had permanent fatal errors", "sendmail"),
    ("was not delivered to", "domino"),
    ("n'a pas pu être remis", "fr"),
    ("n'a pas pu etre remis", "fr"),
    ("n'a pas été remis", "fr"),
    ("n'a pas pu être distribué", "fr"),
    ("n'a pas pu être délivré", "fr"),
    ("n'a pas été délivré", "fr"),
    ("impossible de délivrer", "fr"),
    ("impossible de distribuer", "fr"),
    ("échec de la distribution", "fr"),
    ("n'a pas encore été remis", "fr"),
    ("impossible de remettre", "fr"),
    ("échec de la remise", "fr"),
    ("echec de la remise", "fr"),
    ("non remis", "fr"),
    ("non distribuable", "fr"),
    ("no se pudo entregar", "es"),
    ("no se ha podido entregar", "es"),
    ("no pudo ser entregado", "es"),
    ("no ha podido ser entregado", "es"),
    ("no se puede entregar", "es"),
    ("error de entrega", "es"),
    ("no fue entregado", "es"),
    ("no ha sido entregado", "es"),
    ("imposible entregar", "es"),
    ("error al entregar", "es"),
    ("aún no se ha entregado", "es"),
    ("konnte nicht zugestellt werden", "de"),
    ("error delivering", "text"),
    ("was not delivered", "text"),
    ("has not been delivered", "text"),
    ("did not receive a copy", "text"),
    ("fatal delivery error", "text"),
    ("permanent fatal", "text"),
    ("this is a permanent error", "text"),
    ("wasn't able to deliver", "text"),
    ("was not able to deliver", "text"),
    ("has been returned because", "text"),
    ("failed recipient", "text"),
    ("failed address", "text"),
    ("no valid recipients", "text"),
    ("trouble delivering", "text"),
    ("rejected recipient", "text"),
    ("could not be delivered", "text"),
    ("couldn't be delivered", "text"),
    ("undeliverable", "text"),
    ("unable to deliver", "text"),
    ("could not deliver", "text"),
    ("failed to deliver", "text"),
    ("delivery failed", "text"),
    ("delivery has failed", "text"),
    ("message not delivered", "text"),
    ("permanent error", "text"),
    ("permanent failure", "text"),
    ("fatal error", "text"),
    ("has been delayed", "text"),
    ("will retry", "text"),
    ("not yet been delivered", "text"),
    ("retry timeout exceeded", "text"),
    ("delivery status notification", "text"),
];

/// The first bounce sentence (in the list's order) in `lower` (the notice, lowercased) and
/// its format: one pass of an automaton over the notice rather than one per sentence.
pub fn sentence(lower: &str) -> Option<(&'static str, &'static str)> {
    static SEARCH: LazyLock<AhoCorasick> = LazyLock::new(|| {
        AhoCorasick::new(SENTENCES.iter().map(|(s, _)| s)).expect("a few sentences fit")
    });
    let first = SEARCH
        .find_overlapping_iter(lower)
        .map(|found| found.pattern().as_usize())
        .min()?;
    Some(SENTENCES[first])
}

/// Lines that introduce the returned original (lowercased, searched within a line).
const ORIGINAL_MARKERS: &[&str] = &[
    "copy of the message",
    "copy of your message",
    "original message",
    "original-message",
    "message follows",
    "returned message",
    "unsent message",
    "headers of your message",
    "header of the original",
    "original headers",
    "below this line",
    "message d'origine",
    "mensaje original",
];

/// Header names that start the returned original when a line begins with them.
const ORIGINAL_HEADERS: &[&str] = &[
    "return-path:",
    "received:",
    "dkim-signature:",
    "message-id:",
    "x-received:",
    "arc-seal:",
];

/// Finds whether a line holds any of [`ORIGINAL_MARKERS`] in one pass, in any case: most
/// lines hold none, and are not lowercased.
static MARKERS: LazyLock<AhoCorasick> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(ORIGINAL_MARKERS)
        .expect("a few markers fit any automaton")
});

/// Where in `text` the notice ends and the copy of the original begins.
pub fn notice_end(text: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if MARKERS.is_match(line) {
            let lower = line.to_lowercase();
            // A marker with a rule or "follows" after it, or a line of its own ending in a
            // colon (not "the following addresses did not receive a copy of your message:").
            let opening = lower.trim_start_matches(|c: char| !c.is_alphanumeric());
            let marker = ORIGINAL_MARKERS.iter().any(|m| {
                lower.find(m).is_some_and(|at| {
                    lower.contains("---")
                        || lower.contains("===")
                        || lower[at..].contains("follow")
                        || lower.trim_end().ends_with(':') && opens_with(opening, m)
                })
            });
            if marker {
                return offset + marker_start(line);
            }
        }
        let header = |h: &&str| {
            line.get(..h.len())
                .is_some_and(|start| start.eq_ignore_ascii_case(h))
        };
        if ORIGINAL_HEADERS.iter().any(header) {
            return offset;
        }
        offset += line.len();
    }
    text.len()
}

/// Whether `line` begins with `marker`, after at most one short word ("a", "the", "your").
fn opens_with(line: &str, marker: &str) -> bool {
    line.starts_with(marker)
        || line
            .split_once(' ')
            .is_some_and(|(word, rest)| word.len() <= 4 && rest.starts_with(marker))
}

/// Where on a marker's line the marker begins: at its rule ("--- Below this line …") when
/// a notice without line breaks (an HTML one, flattened) runs into it, else the line start.
fn marker_start(line: &str) -> usize {
    ["---", "==="]
        .iter()
        .filter_map(|rule| line.find(rule))
        .min()
        .filter(|at| line[..*at].trim().len() > 40)
        .unwrap_or(0)
}
