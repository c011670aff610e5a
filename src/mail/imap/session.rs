//! One session with the server: log in, select the folder, then passes over it with a wait
//! (IDLE or poll) between them, until cancelled or until something fails.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::scan::{self, Selected, failed};
use super::trouble::Trouble;
use super::wait::{self, Woken};
use super::wire::{self, Session, within};
use super::{ImapError, ImapSettings};
use crate::inbound::intake::Intake;

/// How long a polite `LOGOUT` may take at the end.
const LOGOUT_TIMEOUT: Duration = Duration::from_secs(2);

/// What lasts from one session to the next.
pub(super) struct Reader<'a> {
    settings: &'a ImapSettings,
    intake: &'a Intake,
    pub trouble: Trouble,
    /// The last session completed at least one pass (so the backoff starts over).
    pub worked: bool,
    /// The folder's UIDVALIDITY when last selected.
    validity: Option<u32>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(settings: &'a ImapSettings, intake: &'a Intake) -> Reader<'a> {
        Reader {
            settings,
            intake,
            trouble: Trouble::default(),
            worked: false,
            validity: None,
        }
    }

    /// Runs one session; `Ok` once cancelled, an error when the session ended otherwise.
    pub(super) async fn session(&mut self, cancel: &CancellationToken) -> Result<(), ImapError> {
        self.worked = false;
        let Some(opened) = cancel.run_until_cancelled(wire::open(self.settings)).await else {
            return Ok(());
        };
        let mut session = opened?;
        self.trouble.logged_in();
        let capabilities = within("CAPABILITY", session.capabilities())
            .await
            .map_err(failed("CAPABILITY"))?;
        let idle = capabilities.has_str("IDLE");
        let selected = scan::select(&mut session, &self.settings.folder).await?;
        self.note_validity(selected.validity);
        tracing::info!(
            folder = %self.settings.folder,
            marking = selected.marking.describe(),
            wait = if idle { "IDLE" } else { "poll" },
            "IMAP folder selected"
        );
        if let Some(session) = self.read(session, selected, idle, cancel).await? {
            // A LOGOUT is a clean end for the server; a dropped connection is not.
            let _ = tokio::time::timeout(LOGOUT_TIMEOUT, logout(session)).await;
        }
        Ok(())
    }

    /// Passes over the folder, waiting between them, until `cancel`. Returns the session
    /// for its LOGOUT, or `None` when cancelled in the middle of a pass: a message stored
    /// but not yet marked then is found stored already next time.
    async fn read(
        &mut self,
        mut session: Session,
        selected: Selected,
        idle: bool,
        cancel: &CancellationToken,
    ) -> Result<Option<Session>, ImapError> {
        let folder = &self.settings.folder;
        loop {
            wait::news(&session);
            let pass = scan::pass(&mut session, self.intake, folder, selected.marking);
            let Some(pass) = cancel.run_until_cancelled(pass).await else {
                return Ok(None);
            };
            let pass = pass?;
            if pass.stored + pass.known > 0 {
                tracing::info!(
                    stored = pass.stored,
                    already_stored = pass.known,
                    "messages read from IMAP"
                );
            }
            if !self.worked {
                self.worked = true;
                self.trouble.working();
            }
            // Messages that arrived during the pass: no IDLE would report them again.
            if wait::news(&session) {
                continue;
            }
            let woken;
            (session, woken) = if idle {
                wait::idle(session, cancel).await?
            } else {
                (session, wait::poll(self.settings.poll, cancel).await)
            };
            if woken == Woken::Cancelled {
                return Ok(Some(session));
            }
        }
    }

    /// A new UIDVALIDITY means the UIDs were renumbered (the folder was rebuilt): the
    /// search by keyword reads what is unmarked anyway, and what was stored before is
    /// found stored already.
    fn note_validity(&mut self, validity: Option<u32>) {
        if let (Some(before), Some(now)) = (self.validity, validity)
            && before != now
        {
            tracing::warn!(
                before,
                now,
                "IMAP UIDVALIDITY changed: reading the folder again (nothing is stored twice)"
            );
        }
        self.validity = validity.or(self.validity);
    }
}

async fn logout(mut session: Session) {
    if let Err(err) = session.logout().await {
        tracing::debug!(error = %err, "IMAP LOGOUT failed");
    }
}
