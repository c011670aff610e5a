//! Challenge-response: a screening service holding the message until the sender proves to
//! be a person or asks to be let in.

use super::Signs;
use super::phrases::{CHALLENGE_PHRASES, CHALLENGE_SERVICES, HUMAN_PROOF_PHRASES};
use crate::inbound::read::{first_phrase, has_phrase};

/// The reason `signs` read as a challenge, and whether it is sure enough to win over a
/// bounce reading; None when it is no challenge.
pub(super) fn challenge(signs: &Signs<'_>) -> Option<(String, bool)> {
    let service_header = signs.headers.iter().find(|(name, value)| {
        let agent = (name == "x-delivery-agent").then(|| value.to_ascii_lowercase());
        CHALLENGE_SERVICES
            .iter()
            .any(|s| name.contains(s) || agent.as_ref().is_some_and(|value| value.contains(s)))
    });
    let service_text = signs.own.first(&CHALLENGE_SERVICES).or_else(|| {
        CHALLENGE_SERVICES
            .iter()
            .copied()
            .find(|s| signs.from_domain.contains(s))
    });
    let phrase = signs
        .own
        .first(&CHALLENGE_PHRASES)
        .or_else(|| first_phrase(&signs.subject, &CHALLENGE_PHRASES));
    let proof = signs
        .own
        .first(&HUMAN_PROOF_PHRASES)
        .or_else(|| first_phrase(&signs.subject, &HUMAN_PROOF_PHRASES));
    match (service_header, service_text, phrase) {
        (Some((name, _)), _, _) => Some((format!("challenge-response header {name}"), true)),
        (None, Some(service), Some(phrase)) => Some((
            format!("challenge-response: \"{service}\" and \"{phrase}\""),
            true,
        )),
        _ if proof.is_some() => proof.map(|p| (format!("challenge-response: \"{p}\""), true)),
        (None, _, Some(phrase)) if signs.machine_hint() || second_phrase(signs, phrase) => Some((
            format!("challenge-response: \"{phrase}\" from a machine"),
            false,
        )),
        _ => None,
    }
}

fn second_phrase(signs: &Signs<'_>, first: &str) -> bool {
    CHALLENGE_PHRASES
        .iter()
        .filter(|p| **p != first)
        .any(|p| has_phrase(signs.own.text(), p))
}
