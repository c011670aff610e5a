//! The database: SQLite by default, PostgreSQL for several daemons, both through sqlx's
//! `Any` driver. The backend is chosen once from the URL; queries are written once with
//! `$N` placeholders, which both accept, and migrations come in one folder per dialect.

mod answers;
mod audit;
mod batch;
mod circulars;
mod corrections;
mod decisions;
mod deliveries;
mod edits;
mod inbound;
mod inbox;
mod known;
mod members;
mod outcomes;
mod questions;
mod registrations;
mod rows;
mod suppressions;
mod sync;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};

pub use answers::{AnswerKind, PendingAnswer};
pub use audit::AuditAction;
pub use circulars::{LoadedCircular, StoredCircular};
pub use corrections::Change;
pub use decisions::{BounceRules, DeliveryRef, InboundDecision, NewBounce, NewNotice, Pending};
pub use deliveries::{Claimed, NewRound, Recorded, RoundCounts, precise_now};
pub use edits::ListsTx;
pub use inbound::{NewInbound, NewMessage};
pub use inbox::{BounceCounts, InboundFilter, InboundMessage, InboundRow};
pub use known::{Known, Wanted};
pub use members::MemberInLists;
pub use questions::Question;
pub use registrations::{Registration, ReplyCounts, ReplyRecord, ReplyRecorded};
pub use suppressions::{Suppression, SuppressionChange, SuppressionReason};
pub use sync::{SyncOutcome, load_lists, sync_state};

use crate::members::FieldDifference;

/// Which database a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Why the database cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database {url} is unavailable")]
    Unavailable { url: String, source: sqlx::Error },
    #[error("cannot migrate the database")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("cannot create the database folder {path}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("unknown committee `{0}`")]
    UnknownCommittee(String),
    #[error("no member with address `{0}`")]
    UnknownMember(String),
    #[error("{0} is not on that list")]
    NotListed(String),
    #[error("a member with address `{0}` already exists")]
    MemberExists(String),
    #[error(
        "`{email}` differs from the member `{existing}` only in the case of the part before `@`: \
         it is almost certainly the same mailbox; use `{existing}`"
    )]
    CaseTwin { email: String, existing: String },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("a member with address `{email}` already exists with other values: {}", differences_text(.differences))]
    MemberDiffers {
        email: String,
        /// Each differing field, with the stored and the given value.
        differences: Vec<FieldDifference>,
    },
    #[error("cannot write the audit record: {0}")]
    AuditRecord(#[from] serde_json::Error),
    /// A change to the replies' records that cannot be made as asked.
    #[error("{0}")]
    Invalid(String),
}

fn differences_text(differences: &[FieldDifference]) -> String {
    let texts: Vec<String> = differences.iter().map(ToString::to_string).collect();
    texts.join("; ")
}

/// A handle on the database: cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite takes one writer at a time and makes a second one sleep and retry (its busy
    /// handler sleeps up to 100 ms a try): the busiest writers (intake and the processing
    /// of inbound mail) take turns here instead, and the next starts the moment the first
    /// commits.
    writer: Arc<tokio::sync::Mutex<()>>,
}

impl Store {
    /// Opens the database at `url` (an SQLite file is created with its folder if missing)
    /// and applies the migrations.
    ///
    /// # Errors
    /// The database cannot be reached or migrated.
    #[tracing::instrument(skip_all, fields(backend))]
    pub async fn open(url: &str, max_connections: u32) -> Result<Store, StoreError> {
        install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        tracing::Span::current().record("backend", tracing::field::debug(backend));
        let url = match backend {
            Backend::Sqlite => sqlite_url(url)?,
            Backend::Postgres => url.to_string(),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(std::time::Duration::from_secs(5))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers work beside the writer; busy_timeout makes a
                        // second writer wait instead of failing at once. Statement
                        // journals in memory: as files, each multi-row write made, removed
                        // and closed one, a tenth of intake's time.
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|source| StoreError::Unavailable {
                url: redact(&url),
                source,
            })?;
        let store = Store {
            pool,
            backend,
            writer: Arc::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The turn to write, on SQLite; none is needed on PostgreSQL.
    pub(crate) async fn write_turn(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match self.backend {
            Backend::Sqlite => Some(self.writer.lock().await),
            Backend::Postgres => None,
        }
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("migrations/sqlite").run(&self.pool).await?,
            Backend::Postgres => {
                sqlx::migrate!("migrations/postgres")
                    .run(&self.pool)
                    .await?
            }
        }
        Ok(())
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Answers when the database does.
    ///
    /// # Errors
    /// The database does not answer.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// `sqlite://data/circulars.db` → with `mode=rwc`, after creating `data/`.
fn sqlite_url(url: &str) -> Result<String, StoreError> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let (file, query) = path.split_once('?').unwrap_or((path, ""));
    let parent = Path::new(file)
        .parent()
        .filter(|p| !p.as_os_str().is_empty() && !file.starts_with(':'));
    if let Some(parent) = parent {
        std::fs::create_dir_all(parent).map_err(|source| StoreError::Folder {
            path: parent.display().to_string(),
            source,
        })?;
    }
    Ok(if query.contains("mode=") {
        url.to_string()
    } else if query.is_empty() {
        format!("sqlite://{file}?mode=rwc")
    } else {
        format!("sqlite://{file}?{query}&mode=rwc")
    })
}

/// A URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::from_str(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// Now, as stored: RFC 3339 in UTC with whole seconds.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
