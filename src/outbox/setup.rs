//! Setting up a daemon's workers from the configuration: transport, DKIM, retries, batches.

use std::sync::Arc;
use std::time::Duration;

use super::Retry;
use super::prepare::Library;
use super::worker::Workers;
use crate::config::{Config, ConfigError, Secrets};
use crate::mail::{DkimSigner, MailError, Transport};
use crate::store::Store;

/// Why the workers cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(transparent)]
    Secret(#[from] ConfigError),
    #[error(transparent)]
    Mail(#[from] MailError),
}

impl Workers {
    /// The workers of a daemon, or of `send --wait` (`only` that circular), as the
    /// configuration says: transport, DKIM, retries, batch size.
    ///
    /// # Errors
    /// The transport or the DKIM key cannot be set up, or the secret cannot be read.
    pub fn from_config(
        config: &Config,
        store: &Store,
        only: Option<i64>,
    ) -> Result<Workers, SetupError> {
        let secrets = Secrets::load(&config.data.dir)?;
        let dkim = DkimSigner::from_config(config)?;
        let transport = Transport::from_config(config)?;
        let library = Library::new(store.clone(), config, secrets.signing_key.clone(), dkim);
        let smtp = &config.smtp;
        let concurrency = u32::try_from(transport.concurrency()).unwrap_or(u32::MAX);
        // Enough to keep every connection busy; with a rate limit, no more than two
        // seconds' worth, so that claimed rows do not wait long under their lease.
        let mut batch = (concurrency * 16).clamp(32, 500);
        if smtp.max_per_second > 0 {
            batch = batch.min((smtp.max_per_second * 2).max(concurrency));
        }
        Ok(Workers {
            id: daemon_id(),
            store: store.clone(),
            library: Arc::new(library),
            transport: Arc::new(transport),
            retry: Retry {
                max_attempts: smtp.max_attempts.max(1),
                first_wait: Duration::from_secs(smtp.retry_seconds),
            },
            bounce_threshold: smtp.bounce_threshold.max(1),
            only,
            batch,
        })
    }
}

/// Who a daemon is, in the rows it claims and the leases it holds: host, process, and a
/// random part (a process id comes back after a restart).
pub fn daemon_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "host".into());
    let random: u32 = rand::random();
    format!("{host}:{}:{random:08x}", std::process::id())
}
