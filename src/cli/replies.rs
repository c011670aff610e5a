//! What the commands on the replies' records share: attendees as `Name|Position|email`,
//! the circular and member named, and the answers made into notices before the command
//! ends (the daemon sends them).

use super::{BadData, UsageError};
use crate::config::{Config, Secrets};
use crate::mail::DkimSigner;
use crate::members::EmailAddress;
use crate::outbox::{Notices, answers};
use crate::replies::Attendee;
use crate::store::Store;

/// `Name|Position|email` → an attendee.
pub(super) fn parse_attendees(given: &[String]) -> anyhow::Result<Vec<Attendee>> {
    given
        .iter()
        .map(|text| {
            let mut parts = text.split('|').map(str::trim);
            let attendee = Attendee {
                name: parts.next().unwrap_or_default().to_string(),
                position: parts.next().unwrap_or_default().to_string(),
                email: parts.next().unwrap_or_default().to_string(),
            };
            if parts.next().is_some() || attendee.name.is_empty() {
                return Err(UsageError(format!(
                    "--attendee {text:?}: write 'Name|Position|email' (position and email may be empty)"
                ))
                .into());
            }
            if !attendee.email.is_empty() && EmailAddress::parse(&attendee.email).is_err() {
                return Err(UsageError(format!(
                    "--attendee {text:?}: `{}` is not an email address",
                    attendee.email
                ))
                .into());
            }
            Ok(attendee)
        })
        .collect()
}

pub(super) async fn member_id(store: &Store, email: &str) -> anyhow::Result<i64> {
    let address = super::members::email_arg(email)?;
    Ok(store
        .member(&address)
        .await?
        .ok_or_else(|| BadData(format!("no member with address `{email}`")))?
        .id)
}

/// Makes the answers the command's records called for into notices in the outbox; the
/// daemon sends them.
pub(super) async fn make_answers(store: &Store, config: &Config) -> anyhow::Result<usize> {
    let secrets = Secrets::load(&config.data.dir)?;
    let dkim = DkimSigner::from_config(config)?;
    let notices = Notices::new(store.clone(), config, secrets.signing_key, dkim);
    Ok(answers::make_pending(store, &notices).await?)
}
