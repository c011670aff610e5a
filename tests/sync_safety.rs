//! `recipients sync` destroys nothing silently: absent columns keep their fields, mass
//! removals and overwriting database edits need a flag, `members add` does not change a
//! member, and `serve` keeps command-line edits at start. Each on both databases, as the
//! administrator sees it.

mod common;

use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::{BACKENDS, TestDb, circulars, copy_recipients, project_dir, stderr, stdout};

const JR: &str = "jr.etxebarria@bilbao.example.org";
const FRANCOISE: &str = "francoise.lefevre@bordeaux.example.net";
const AMINA: &str = "amina.diallo@dakar.example.net";

/// Rewrites a recipients file, record by record (the header is record 0).
fn rewrite(path: &Path, edit: impl Fn(usize, Vec<String>) -> Option<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap();
    let records: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let mut writer = csv::Writer::from_path(path).unwrap();
    for (i, record) in records.into_iter().enumerate() {
        if let Some(record) = edit(i, record) {
            writer.write_record(record).unwrap();
        }
    }
    writer.flush().unwrap();
}

/// A member as `members list --format json` shows them.
fn shown(cwd: &Path, db: &str, email: &str) -> Option<serde_json::Value> {
    let out = circulars(cwd, db, &["members", "list", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    list.into_iter().find(|m| m["email"] == email)
}

fn listed(cwd: &Path, db: &str, committee: &str) -> usize {
    let out = circulars(
        cwd,
        db,
        &[
            "members",
            "list",
            "--committee",
            committee,
            "--format",
            "csv",
        ],
    );
    stdout(&out).lines().count() - 1
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}\n{}", stdout(out), stderr(out));
    stdout(out)
}

fn sync(cwd: &Path, db: &str, flags: &[&str]) -> Output {
    let args: Vec<&str> = ["recipients", "sync"]
        .iter()
        .chain(flags)
        .copied()
        .collect();
    circulars(cwd, db, &args)
}

#[tokio::test]
async fn a_column_missing_from_a_file_leaves_those_fields_as_they_are_and_the_report_says_so() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let cwd = db.dir.path();
        let dir = copy_recipients(cwd);
        ok(&sync(cwd, &db.url, &[]));
        // Drop position (2) and city (4); rename one member so the sync has work.
        rewrite(&dir.join("digital-cities.csv"), |_, mut r| {
            if r[0] == JR {
                r[1] = "José Ramón Etxebarria Uribe".into();
            }
            r.remove(4);
            r.remove(2);
            Some(r)
        });
        let out = ok(&sync(cwd, &db.url, &[]));
        assert!(
            out.contains(
                "digital-cities.csv has no column position, city: those fields are kept as they are"
            ),
            "{kind:?}: {out}"
        );
        assert!(out.contains(&format!("~ {JR} (name)")), "{out}");
        let jr = shown(cwd, &db.url, JR).unwrap();
        assert_eq!(jr["name"], "José Ramón Etxebarria Uribe");
        assert_eq!(
            jr["position"],
            "Concejal de Innovación y Transformación Digital"
        );
        assert_eq!(jr["city"], "Bilbao", "{kind:?}");
        // Amina is in both files: the one with the columns says what they are.
        let amina = shown(cwd, &db.url, AMINA).unwrap();
        assert_eq!(amina["position"], "Cheffe du service e-gouvernement");
    }
}

#[tokio::test]
async fn a_sync_that_would_empty_a_list_or_cut_it_by_more_than_a_third_needs_allow_removals() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let cwd = db.dir.path();
        let dir = copy_recipients(cwd);
        ok(&sync(cwd, &db.url, &[]));
        let before = listed(cwd, &db.url, "digital-cities");
        let file = dir.join("digital-cities.csv");
        let original = std::fs::read(&file).unwrap();

        // Header only: every member would go.
        rewrite(&file, |i, r| (i == 0).then_some(r));
        let dry = ok(&sync(cwd, &db.url, &["--dry-run"]));
        assert!(dry.contains(&format!("{before} removed")), "{dry}");
        assert!(dry.contains("the sync would be refused"), "{dry}");
        let refused = sync(cwd, &db.url, &[]);
        assert_eq!(refused.status.code(), Some(65), "{kind:?}");
        let message = stderr(&refused);
        assert!(
            message.contains(&format!(
                "the sync would remove all {before} members of digital-cities"
            )),
            "{message}"
        );
        assert!(message.contains("--allow-removals"), "{message}");
        assert_eq!(listed(cwd, &db.url, "digital-cities"), before, "{kind:?}");

        // Half the list: more than a third.
        std::fs::write(&file, &original).unwrap();
        rewrite(&file, |i, r| (i <= before / 2).then_some(r));
        let refused = sync(cwd, &db.url, &[]);
        assert_eq!(refused.status.code(), Some(65));
        assert!(
            stderr(&refused).contains("(more than a third)"),
            "{}",
            stderr(&refused)
        );
        assert_eq!(listed(cwd, &db.url, "digital-cities"), before);

        ok(&sync(cwd, &db.url, &["--allow-removals"]));
        assert_eq!(
            listed(cwd, &db.url, "digital-cities"),
            before / 2,
            "{kind:?}"
        );
    }
}

#[tokio::test]
async fn members_add_of_an_existing_member_with_other_values_is_refused_naming_each_field() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let cwd = db.dir.path();
        copy_recipients(cwd);
        ok(&sync(cwd, &db.url, &[]));
        let args = [
            "members",
            "add",
            JR,
            "--committee",
            "decentralisation",
            "--city",
            "Getxo",
            "--language",
            "en",
        ];
        let refused = circulars(cwd, &db.url, &args);
        assert_eq!(refused.status.code(), Some(65), "{kind:?}");
        let message = stderr(&refused);
        assert!(
            message.contains("city is `Bilbao`, not `Getxo`"),
            "{message}"
        );
        assert!(message.contains("language is `es`, not `en`"), "{message}");
        assert!(
            message.contains(&format!(
                "circulars members update {JR} --city … --language …"
            )),
            "{message}"
        );
        let jr = shown(cwd, &db.url, JR).unwrap();
        assert_eq!(jr["city"], "Bilbao");
        assert_eq!(jr["committees"], serde_json::json!(["digital-cities"]));

        // The same values, or none: added as they are.
        let args = [
            "members",
            "add",
            JR,
            "--committee",
            "decentralisation",
            "--city",
            "Bilbao",
        ];
        ok(&circulars(cwd, &db.url, &args));
        let jr = shown(cwd, &db.url, JR).unwrap();
        assert_eq!(
            jr["committees"],
            serde_json::json!(["decentralisation", "digital-cities"])
        );
    }
}

#[tokio::test]
async fn command_line_edits_survive_a_sync_of_unchanged_files_until_forced() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let cwd = db.dir.path();
        copy_recipients(cwd);
        ok(&sync(cwd, &db.url, &[]));
        ok(&circulars(
            cwd,
            &db.url,
            &["members", "update", JR, "--city", "Getxo"],
        ));

        let out = ok(&sync(cwd, &db.url, &[]));
        assert!(
            out.contains(
                "files unchanged since the last sync; database edits kept (use --force to make the database equal to the files)"
            ),
            "{kind:?}: {out}"
        );
        assert!(out.contains(&format!("= {JR} (edited by cli:")), "{out}");
        assert_eq!(
            shown(cwd, &db.url, JR).unwrap()["city"],
            "Getxo",
            "{kind:?}"
        );

        let forced = ok(&sync(cwd, &db.url, &["--force"]));
        assert!(forced.contains(&format!("~ {JR} (city)")), "{forced}");
        assert_eq!(shown(cwd, &db.url, JR).unwrap()["city"], "Bilbao");
        // Forced: the files are the reference again, with no edit pending.
        let again = ok(&sync(cwd, &db.url, &[]));
        assert!(
            again.contains("digital-cities: 0 added, 0 changed, 0 removed"),
            "{again}"
        );
    }
}

#[tokio::test]
async fn when_both_the_files_and_the_database_changed_the_sync_names_the_conflicts_and_needs_force()
{
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let cwd = db.dir.path();
        let dir = copy_recipients(cwd);
        ok(&sync(cwd, &db.url, &[]));
        ok(&circulars(
            cwd,
            &db.url,
            &["members", "update", JR, "--city", "Getxo"],
        ));
        rewrite(&dir.join("digital-cities.csv"), |_, mut r| {
            if r[0] == FRANCOISE {
                r[4] = "Mérignac".into();
            }
            Some(r)
        });

        let refused = sync(cwd, &db.url, &[]);
        assert_eq!(
            refused.status.code(),
            Some(65),
            "{kind:?}: {}",
            stdout(&refused)
        );
        let message = stderr(&refused);
        assert!(
            message.contains("the files and the database both changed since the last sync"),
            "{message}"
        );
        assert!(
            message.contains(&format!("! {JR} (edited by cli:")),
            "{message}"
        );
        assert!(
            message.contains("city: `Getxo` in the database, `Bilbao` in the files"),
            "{message}"
        );
        assert!(
            !message.contains(FRANCOISE),
            "only the edited member conflicts: {message}"
        );
        assert!(message.contains("--force"), "{message}");
        assert_eq!(shown(cwd, &db.url, JR).unwrap()["city"], "Getxo");
        assert_eq!(shown(cwd, &db.url, FRANCOISE).unwrap()["city"], "Bordeaux");

        let dry = ok(&sync(cwd, &db.url, &["--dry-run"]));
        assert!(dry.contains(&format!("! {JR}")), "{dry}");

        ok(&sync(cwd, &db.url, &["--force"]));
        assert_eq!(
            shown(cwd, &db.url, JR).unwrap()["city"],
            "Bilbao",
            "{kind:?}"
        );
        assert_eq!(shown(cwd, &db.url, FRANCOISE).unwrap()["city"], "Mérignac");
    }
}

/// Runs `serve` on `db` until it serves, then stops it; returns its log.
fn serve_once(cwd: &Path, db: &str) -> String {
    let log_path = cwd.join("serve.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut command = common::binary();
    let mut child = command
        .current_dir(cwd)
        .arg("serve")
        .env("CIRCULARS_DATABASE_URL", db)
        .env("CIRCULARS_SECRET", "a-test-secret-of-more-than-32-bytes!")
        .env("CIRCULARS_HTTP_BIND", format!("127.0.0.1:{port}"))
        .env("CIRCULARS_TEMPLATES_DIR", project_dir().join("templates"))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !std::fs::read_to_string(&log_path)
        .unwrap()
        .contains("serving HTTP")
    {
        if child.try_wait().unwrap().is_some() || started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!(
                "serve did not start: {}",
                std::fs::read_to_string(&log_path).unwrap()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    std::fs::read_to_string(&log_path).unwrap()
}

#[tokio::test]
async fn serve_keeps_command_line_edits_at_start_and_logs_the_members_that_conflict() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let cwd = db.dir.path();
        let dir = copy_recipients(cwd);
        ok(&sync(cwd, &db.url, &[]));
        ok(&circulars(
            cwd,
            &db.url,
            &["members", "update", JR, "--city", "Getxo"],
        ));

        let log = serve_once(cwd, &db.url);
        assert!(
            log.contains("files unchanged since the last sync: the database's edits are kept"),
            "{kind:?}: {log}"
        );
        assert_eq!(
            shown(cwd, &db.url, JR).unwrap()["city"],
            "Getxo",
            "{kind:?}"
        );

        rewrite(&dir.join("digital-cities.csv"), |_, mut r| {
            if r[0] == FRANCOISE {
                r[4] = "Mérignac".into();
            }
            Some(r)
        });
        let log = serve_once(cwd, &db.url);
        assert!(log.contains("conflict"), "{log}");
        assert!(log.contains(&format!("member={JR}")), "{log}");
        assert!(log.contains("lists not synced"), "{log}");
        assert_eq!(shown(cwd, &db.url, JR).unwrap()["city"], "Getxo");
        assert_eq!(shown(cwd, &db.url, FRANCOISE).unwrap()["city"], "Bordeaux");

        // The conflict resolved by hand: the next start applies the files.
        ok(&circulars(
            cwd,
            &db.url,
            &["members", "update", JR, "--city", "Bilbao"],
        ));
        let log = serve_once(cwd, &db.url);
        assert!(log.contains("list synced"), "{log}");
        assert_eq!(
            shown(cwd, &db.url, FRANCOISE).unwrap()["city"],
            "Mérignac",
            "{kind:?}"
        );
    }
}

#[tokio::test]
async fn members_add_of_an_address_that_differs_only_in_case_is_refused_naming_the_member() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let cwd = db.dir.path();
        copy_recipients(cwd);
        ok(&sync(cwd, &db.url, &[]));
        let twin = "JR.Etxebarria@BILBAO.example.org";
        let args = ["members", "add", twin, "--committee", "decentralisation"];
        let refused = circulars(cwd, &db.url, &args);
        assert_eq!(refused.status.code(), Some(65), "{kind:?}");
        let message = stderr(&refused);
        assert!(
            message.contains(&format!("differs from the member `{JR}` only in the case")),
            "{message}"
        );
        assert!(shown(cwd, &db.url, "JR.Etxebarria@bilbao.example.org").is_none());
    }
}
