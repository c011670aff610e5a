//! The member and circular a message is about, in the order the SPEC gives: the signed reply
//! (or unsubscribe) address the message was sent to, then the Message-IDs it answers, then
//! the sender's address. This module does the first step (pure: tokens are checked with the
//! secret, not the database) and lists what the later steps look up.
//!
//! Only header fields are read: a token or a Message-ID that appears only inside quoted or
//! forwarded text is not the sender's identity.

use crate::tokens::{Purpose, Signer};

/// The reply addresses this instance writes: `<local>+c<NNN>.<token>@<domain>` and
/// `<local>+u.<token>@<domain>`.
#[derive(Debug, Clone, Copy)]
pub struct ReplyAddresses<'a> {
    pub local: &'a str,
    pub domain: &'a str,
    pub signer: &'a Signer,
}

/// A genuine token found in an address the message was sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    /// A reply (or a bounce: replies' address is the envelope sender) about a circular.
    Reply { circular: u32, member_id: i64 },
    /// Mail to the `List-Unsubscribe` address.
    Unsubscribe { member_id: i64 },
}

impl Token {
    pub fn member_id(self) -> i64 {
        match self {
            Token::Reply { member_id, .. } | Token::Unsubscribe { member_id } => member_id,
        }
    }
}

/// What an address the message was sent to says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressCheck {
    /// Not one of our reply addresses.
    Other,
    /// One of ours whose token does not verify (forged, altered, another instance's).
    Forged,
    Genuine(Token),
}

impl ReplyAddresses<'_> {
    /// Checks one address (`local@domain`, any letter case).
    pub fn check(&self, address: &str) -> AddressCheck {
        let Some((local, domain)) = address.trim().rsplit_once('@') else {
            return AddressCheck::Other;
        };
        let Some((base, tag)) = local.split_once('+') else {
            return AddressCheck::Other;
        };
        if !base.eq_ignore_ascii_case(self.local) || !domain.eq_ignore_ascii_case(self.domain) {
            return AddressCheck::Other;
        }
        let tag = tag.to_ascii_lowercase();
        let token = if let Some(token) = tag.strip_prefix("u.") {
            self.signer
                .verify(Purpose::Unsubscribe, 0, token)
                .map(|member_id| Token::Unsubscribe { member_id })
        } else if let Some((number, token)) =
            tag.strip_prefix('c').and_then(|rest| rest.split_once('.'))
        {
            number.parse::<u32>().ok().and_then(|circular| {
                self.signer
                    .verify(Purpose::Reply, circular, token)
                    .map(|member_id| Token::Reply {
                        circular,
                        member_id,
                    })
            })
        } else {
            None
        };
        token.map_or(AddressCheck::Forged, AddressCheck::Genuine)
    }

    /// The first genuine token among `recipients` (To, Cc, Delivered-To, X-Original-To), with
    /// the address it was found in, and the forged ones seen on the way.
    pub fn find<'r>(&self, recipients: &[&'r str]) -> TokenSearch<'r> {
        let mut forged = Vec::new();
        for &address in recipients {
            match self.check(address) {
                AddressCheck::Genuine(token) => {
                    return TokenSearch {
                        found: Some((token, address)),
                        forged,
                    };
                }
                AddressCheck::Forged => forged.push(address),
                AddressCheck::Other => {}
            }
        }
        TokenSearch {
            found: None,
            forged,
        }
    }
}

/// The outcome of [`ReplyAddresses::find`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSearch<'r> {
    pub found: Option<(Token, &'r str)>,
    /// Our reply addresses whose token did not verify: they match nothing.
    pub forged: Vec<&'r str>,
}

/// The Message-IDs a message answers, the nearest first: `In-Reply-To`, then `References`
/// from the last (the message answered) to the first (the thread's start), without repeats.
pub fn answered_ids<'a>(in_reply_to: &'a [String], references: &'a [String]) -> Vec<&'a str> {
    let mut ids: Vec<&str> = Vec::new();
    for id in in_reply_to.iter().chain(references.iter().rev()) {
        let id = id.trim().trim_start_matches('<').trim_end_matches('>');
        if !id.is_empty() && !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// How a message was matched, as stored in `inbound_messages.matched_by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    ReplyToken,
    UnsubscribeToken,
    InReplyTo,
    /// A bounce's copy of the original message named one of our deliveries.
    BouncedMessage,
    Sender,
    /// A bounce's failed recipient is a member's address.
    FailedRecipient,
}

impl MatchedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchedBy::ReplyToken => "reply_token",
            MatchedBy::UnsubscribeToken => "unsubscribe_token",
            MatchedBy::InReplyTo => "in_reply_to",
            MatchedBy::BouncedMessage => "bounced_message",
            MatchedBy::Sender => "sender",
            MatchedBy::FailedRecipient => "failed_recipient",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addresses(signer: &Signer) -> ReplyAddresses<'_> {
        ReplyAddresses {
            local: "circulars",
            domain: "uclg.example.org",
            signer,
        }
    }

    #[test]
    fn a_reply_address_names_its_member_and_circular_in_any_letter_case() {
        let signer = Signer::new(b"secret");
        let address = signer.reply_address("circulars", "uclg.example.org", 30, 7);
        let token = Token::Reply {
            circular: 30,
            member_id: 7,
        };
        assert_eq!(
            addresses(&signer).check(&address),
            AddressCheck::Genuine(token)
        );
        assert_eq!(
            addresses(&signer).check(&address.to_uppercase()),
            AddressCheck::Genuine(token)
        );
    }

    #[test]
    fn an_unsubscribe_address_names_its_member() {
        let signer = Signer::new(b"secret");
        let token = signer.token(Purpose::Unsubscribe, 0, 12);
        let address = format!("circulars+u.{token}@uclg.example.org");
        assert_eq!(
            addresses(&signer).check(&address),
            AddressCheck::Genuine(Token::Unsubscribe { member_id: 12 })
        );
    }

    #[test]
    fn an_altered_or_foreign_token_matches_nothing() {
        let signer = Signer::new(b"secret");
        let address = signer.reply_address("circulars", "uclg.example.org", 30, 7);
        let other_member = address.replace("c030.7-", "c030.8-");
        let other_circular = address.replace("c030.", "c031.");
        let foreign = Signer::new(b"other").reply_address("circulars", "uclg.example.org", 30, 7);
        for forged in [&other_member, &other_circular, &foreign] {
            assert_eq!(addresses(&signer).check(forged), AddressCheck::Forged);
        }
        let elsewhere = address.replace("uclg.example.org", "example.net");
        assert_eq!(addresses(&signer).check(&elsewhere), AddressCheck::Other);
        assert_eq!(
            addresses(&signer).check("someone@uclg.example.org"),
            AddressCheck::Other
        );
    }

    #[test]
    fn the_first_genuine_recipient_wins_and_forged_ones_are_reported() {
        let signer = Signer::new(b"secret");
        let genuine = signer.reply_address("circulars", "uclg.example.org", 30, 7);
        let forged = genuine.replace("c030.7-", "c030.9-");
        let recipients = ["secretariat@uclg.example.org", forged.as_str(), &genuine];
        let search = addresses(&signer).find(&recipients);
        assert_eq!(search.found.map(|(token, _)| token.member_id()), Some(7));
        assert_eq!(search.forged, vec![forged.as_str()]);
    }

    #[test]
    fn answered_ids_come_nearest_first_without_brackets_or_repeats() {
        let in_reply_to = vec!["<b@x>".to_string()];
        let references = vec!["a@x".to_string(), "b@x".to_string()];
        assert_eq!(answered_ids(&in_reply_to, &references), vec!["b@x", "a@x"]);
    }
}
