//! Waiting for new mail: IDLE when the server offers it, else a poll every `poll_seconds`.

use std::time::Duration;

use async_imap::types::UnsolicitedResponse;
use tokio_util::sync::CancellationToken;

use super::ImapError;
use super::scan::failed;
use super::wire::{Session, within};

/// IDLE is ended and issued again after this long: RFC 2177 asks for less than 29 minutes,
/// or the server may log the client out.
const IDLE_RENEW: Duration = Duration::from_secs(25 * 60);
/// No word at all from the server for this long (Dovecot says "still here" every two
/// minutes): leave IDLE and run a pass, which finds out whether the connection still works.
const IDLE_SILENCE: Duration = Duration::from_secs(5 * 60);

/// Why the wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Woken {
    /// Look at the folder again.
    Again,
    Cancelled,
}

/// Empties the queue of responses the server sent between commands; true when one said
/// that messages arrived (`EXISTS`), which no later IDLE would report again.
pub(super) fn news(session: &Session) -> bool {
    arrived(|| session.unsolicited_responses.try_recv().ok())
}

fn arrived(mut next: impl FnMut() -> Option<UnsolicitedResponse>) -> bool {
    let mut arrived = false;
    while let Some(response) = next() {
        arrived |= matches!(response, UnsolicitedResponse::Exists(_));
    }
    arrived
}

/// IDLE until the server reports a change, [`IDLE_RENEW`] passes, or `cancel`; the
/// session comes back after `DONE`.
pub(super) async fn idle(
    session: Session,
    cancel: &CancellationToken,
) -> Result<(Session, Woken), ImapError> {
    let responses = session.unsolicited_responses.clone();
    let mut handle = session.idle();
    within("IDLE", handle.init())
        .await
        .map_err(failed("IDLE"))?;
    // A message that arrived just before IDLE is reported while it starts, not during it.
    let woken = if arrived(|| responses.try_recv().ok()) {
        Woken::Again
    } else {
        let (wait, _interrupt) = handle.wait_with_timeout(IDLE_SILENCE);
        tokio::select! {
            () = cancel.cancelled() => Woken::Cancelled,
            () = tokio::time::sleep(IDLE_RENEW) => Woken::Again,
            response = wait => {
                response.map_err(failed("IDLE"))?;
                Woken::Again
            }
        }
    };
    let session = within("DONE", handle.done())
        .await
        .map_err(failed("IDLE"))?;
    Ok((session, woken))
}

/// Waits `every`, or until `cancel`.
pub(super) async fn poll(every: Duration, cancel: &CancellationToken) -> Woken {
    tokio::select! {
        () = cancel.cancelled() => Woken::Cancelled,
        () = tokio::time::sleep(every) => Woken::Again,
    }
}
