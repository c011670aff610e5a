//! Starting a circular and creating its rounds of deliveries: shared by the daemon's
//! scheduler and by `circulars send --now --wait`.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::Purpose;
use super::snapshot::{Files, SnapshotError};
use crate::circulars::{Circular, definition};
use crate::config::Config;
use crate::faults::{Fault, Faults};
use crate::locale::Language;
use crate::store::{LoadedCircular, NewRound, Store, StoreError, StoredCircular};

/// Why a circular cannot be loaded or started.
#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Snapshot(#[from] SnapshotError),
    #[error("{0}")]
    Faults(#[from] Faults),
    #[error("circular {0} is not in {1}")]
    NoFolder(u32, String),
}

/// What rounds need from the configuration.
#[derive(Debug, Clone)]
pub struct Place {
    pub templates: PathBuf,
    pub snapshots: PathBuf,
    pub supported: Vec<Language>,
    pub default_language: Language,
    pub domain: String,
    pub tz: Tz,
}

impl Place {
    pub fn from_config(config: &Config) -> Place {
        Place {
            templates: config.templates.dir.clone(),
            snapshots: config.data.dir.join("snapshots"),
            supported: config.locale.supported.clone(),
            default_language: config.locale.default,
            domain: config.sender.reply_domain.clone(),
            tz: config.locale.timezone,
        }
    }

    /// The folder of circular `number` in the templates.
    ///
    /// # Errors
    /// It has none.
    pub fn folder(&self, number: u32) -> Result<PathBuf, RoundError> {
        let dir = self.templates.join("circulars");
        definition::folder_of(&dir, number)
            .ok()
            .flatten()
            .ok_or_else(|| RoundError::NoFolder(number, dir.display().to_string()))
    }
}

/// A time of `circular.toml` in UTC, as stored.
pub fn stored_time(when: DateTime<Utc>) -> String {
    when.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Reads a stored time.
pub fn read_time(stored: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(stored)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Stores what the files say of `circular` (read from `folder`), and says whether its files
/// changed since its sending started (their members still get the first version).
///
/// # Errors
/// The files or the database cannot be read.
pub async fn load(
    store: &Store,
    place: &Place,
    circular: &Circular,
) -> Result<(StoredCircular, bool), RoundError> {
    let files = Files::read(&place.templates, &circular.dir)?;
    let digest = files.digest();
    let to_utc = |when, end| stored_time(crate::schedule::to_utc(when, end, place.tz));
    let stored = store
        .load_circular(&LoadedCircular {
            number: circular.number,
            slug: &circular.slug,
            send_at: circular.send_at.map(|w| to_utc(w, false)),
            deadline: circular.deadline.map(|w| to_utc(w, true)),
            capacity: circular.capacity,
            late: circular.late.as_str(),
            digest: &digest,
        })
        .await?;
    let changed = changed_since_start(&stored, &digest);
    Ok((stored, changed))
}

/// Whether files of digest `digest` differ from those frozen when the circular's sending
/// started (its members still get the frozen ones); false before it started.
pub fn changed_since_start(stored: &StoredCircular, digest: &str) -> bool {
    stored
        .snapshot_digest
        .as_deref()
        .is_some_and(|frozen| frozen != digest)
}

/// The files frozen when circular `id` started, written out under `snapshots/<digest>/`
/// (once): the `templates/` of the copy and the circular's folder in it. `None` before it
/// started.
///
/// # Errors
/// The database fails, or the copy is damaged or cannot be written.
pub async fn frozen(
    store: &Store,
    snapshots: &Path,
    id: i64,
) -> Result<Option<(PathBuf, PathBuf)>, RoundError> {
    let Some((digest, json)) = store.snapshot(id).await? else {
        return Ok(None);
    };
    let files = Files::from_json(&json)?;
    let root = snapshots.join(digest);
    files.write_out(&root)?;
    let folder = files
        .circular_folder(&root)
        .ok_or_else(|| SnapshotError::Damaged("no circular folder".into()))?;
    Ok(Some((root, folder)))
}

/// The circular as its members receive it: the frozen files once sending started, else the
/// files in `templates/`.
///
/// # Errors
/// The files cannot be read or do not load.
pub async fn definition(
    store: &Store,
    place: &Place,
    stored: &StoredCircular,
) -> Result<Circular, RoundError> {
    let folder = match frozen(store, &place.snapshots, stored.id).await? {
        Some((_, folder)) => folder,
        None => place.folder(stored.number)?,
    };
    definition::load(&folder, &place.supported).map_err(|faults| Faults(faults).into())
}

/// Starts a scheduled circular: freezes its files and creates one delivery per member.
/// `None` when another daemon started it first (or it is not scheduled any more).
///
/// # Errors
/// The files or the database fail.
pub async fn start(
    store: &Store,
    place: &Place,
    stored: &StoredCircular,
) -> Result<Option<u64>, RoundError> {
    let folder = place.folder(stored.number)?;
    let files = Files::read(&place.templates, &folder)?;
    if !store
        .start_circular(stored.id, &files.to_json(), &files.digest())
        .await?
    {
        return Ok(None);
    }
    let circular = definition(store, place, stored).await?;
    Ok(Some(
        create(store, place, stored, &circular, Purpose::Circular).await?,
    ))
}

/// Creates the deliveries of one round (members who have theirs already are skipped).
///
/// # Errors
/// The database fails.
pub async fn create(
    store: &Store,
    place: &Place,
    stored: &StoredCircular,
    circular: &Circular,
    purpose: Purpose,
) -> Result<u64, RoundError> {
    let (prefix, suffix) = purpose.message_id_parts(stored.number, &place.domain);
    let fallback = if circular.languages.contains(&place.default_language) {
        place.default_language
    } else {
        circular
            .languages
            .first()
            .copied()
            .unwrap_or(place.default_language)
    };
    let stored_purpose = purpose.to_stored();
    let created = store
        .create_round(&NewRound {
            circular_id: stored.id,
            purpose: &stored_purpose,
            committees: &circular.committees,
            languages: &circular.languages,
            fallback,
            message_id_prefix: prefix,
            message_id_suffix: suffix,
        })
        .await?;
    Ok(created)
}

/// A fault naming the circular, for logs.
pub fn changed_notice(place: &Place, number: u32) -> Fault {
    let folder = place
        .folder(number)
        .unwrap_or_else(|_| place.templates.join("circulars"));
    Fault::new(
        &folder,
        0,
        format!(
            "circular {number} changed after its sending started: members still to receive it get \
             the version the first ones got; number a new circular to send the change"
        ),
    )
}
