//! A folder whose sample members all received Circular 30 (file transport), and the
//! replies a test builds from their copies, taken in by `circulars ingest`.

use std::path::{Path, PathBuf};

use mail_parser::MessageParser;
use serde_json::Value;

use super::{Copy, circulars_with, copy_dir, copy_recipients, project_dir, stderr, stdout};

/// A folder whose sample members all received Circular 30 (file transport).
pub struct Sent {
    pub dir: tempfile::TempDir,
    pub db: String,
    /// The templates the commands read.
    pub templates: PathBuf,
}

impl Sent {
    /// On SQLite, with the project's templates.
    pub fn new() -> Sent {
        Sent::with(None, |toml| toml)
    }

    /// On `db` (SQLite in the folder when `None`), with Circular 30's `circular.toml` as
    /// `edit` makes it.
    pub fn with(db: Option<&str>, edit: impl Fn(String) -> String) -> Sent {
        let dir = tempfile::tempdir().unwrap();
        copy_recipients(dir.path());
        let templates = dir.path().join("templates");
        copy_dir(&project_dir().join("templates"), &templates);
        let toml = templates.join("circulars/030-smart-local-governance/circular.toml");
        let text = std::fs::read_to_string(&toml).unwrap();
        std::fs::write(&toml, edit(text)).unwrap();
        let db = db.map_or_else(
            || {
                format!(
                    "sqlite://{}",
                    dir.path().join("data/circulars.db").display()
                )
            },
            str::to_string,
        );
        let sent = Sent { dir, db, templates };
        sent.ok(&["recipients", "sync"]);
        sent.ok(&["send", "30", "--now", "--wait"]);
        sent
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn run(&self, args: &[&str]) -> std::process::Output {
        // One hard bounce suppresses, so that one bounce shows it.
        circulars_with(
            self.path(),
            &self.db,
            args,
            &[
                ("CIRCULARS_SMTP_BOUNCE_THRESHOLD", "1"),
                ("CIRCULARS_TEMPLATES_DIR", self.templates.to_str().unwrap()),
            ],
        )
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        stdout(&out)
    }

    /// `args` with `--format json`, parsed.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.extend(["--format", "json"]);
        serde_json::from_str(&self.ok(&args)).unwrap()
    }

    pub fn outbox(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.path().join("data/outbox"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
    }

    /// The member's copy of the circular.
    pub fn copy_of(&self, email: &str) -> Copy {
        for file in self.outbox() {
            let raw = std::fs::read(&file).unwrap();
            let message = MessageParser::default().parse(&raw).unwrap();
            let to = super::address_of(message.to());
            if to == email && message.in_reply_to().as_text().is_none() {
                return Copy::of(&message);
            }
        }
        panic!("no copy of circular 30 for {email}");
    }

    /// Takes `raw` in with `circulars ingest`, and returns its listing.
    pub fn ingest(&self, name: &str, raw: &str) -> Value {
        let file = self.path().join(format!("{name}.eml"));
        std::fs::write(&file, raw.replace('\n', "\r\n")).unwrap();
        self.ok(&["ingest", file.to_str().unwrap()]);
        let list: Vec<Value> =
            serde_json::from_str(&self.ok(&["inbound", "list", "--format", "json"])).unwrap();
        let id = format!("<{name}@example.net>");
        list.into_iter()
            .find(|m| format!("<{}>", m["message_id"].as_str().unwrap()) == id)
            .unwrap_or_else(|| panic!("{name} is not listed"))
    }

    pub fn suppressed(&self) -> Vec<(String, String)> {
        let list: Vec<Value> =
            serde_json::from_str(&self.ok(&["suppressions", "list", "--format", "json"])).unwrap();
        list.iter()
            .map(|s| {
                (
                    s["email"].as_str().unwrap().to_string(),
                    s["reason"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }
}

/// A plain-text reply from `from` to `to`, threaded under `in_reply_to` unless empty.
pub fn reply(
    id: &str,
    from: &str,
    to: &str,
    in_reply_to: &str,
    subject: &str,
    body: &str,
) -> String {
    reply_at(
        id,
        from,
        to,
        in_reply_to,
        subject,
        body,
        "Mon, 7 Dec 2026 10:00:00 +0100",
    )
}

/// The same, reaching the secretariat at `received` (its topmost `Received:` date).
pub fn reply_at(
    id: &str,
    from: &str,
    to: &str,
    in_reply_to: &str,
    subject: &str,
    body: &str,
    received: &str,
) -> String {
    let thread = if in_reply_to.is_empty() {
        String::new()
    } else {
        format!("In-Reply-To: <{in_reply_to}>\nReferences: <{in_reply_to}>\n")
    };
    format!(
        "Received: from mx.example.net by mail.uclg.example.org; {received}\n\
         From: {from}\nTo: {to}\nSubject: {subject}\nDate: {received}\n\
         Message-ID: <{id}@example.net>\n{thread}MIME-Version: 1.0\n\
         Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    )
}
