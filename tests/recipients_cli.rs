//! The `recipients` and `members` commands through the real binary.

mod common;

use common::{BACKENDS, TestDb, circulars, copy_recipients, stderr, stdout};

const HEADER: &str = "email,name,position,organisation,city,country,language,role\n";

#[tokio::test]
async fn a_file_with_bad_rows_is_refused_whole_with_every_fault_named_and_nothing_changes() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let cwd = db.dir.path();
        let dir = copy_recipients(cwd);
        let sync = circulars(cwd, &db.url, &["recipients", "sync"]);
        assert!(sync.status.success(), "{}", stderr(&sync));
        let before = stdout(&circulars(
            cwd,
            &db.url,
            &["members", "list", "--format", "json"],
        ));

        let mut bad = String::from(HEADER);
        bad.push_str("good.one@lima.example.org,Good One,,,Lima,PE,es,member\n"); // line 2
        bad.push_str("not-an-address,Bad Address,,,,,en,\n"); // line 3
        bad.push_str("x@paris.example.org,Unknown Lang,,,,,de,\n"); // line 4
        bad.push_str("Dup@Rome.Example.org,Dup One,,,,,en,\n"); // line 5
        bad.push_str("Dup@rome.example.org,Dup Two,,,,,en,\n"); // line 6
        bad.push_str("short@example.org,Too,Few\n"); // line 7
        bad.push_str("\"inj@example.org\",\"Evil\r\nBcc: all@example.org\",,,,,en,\n"); // line 8
        bad.push_str("tab@example.org,Tab\tName,,,,,en,\n"); // line 10 (8 spans two lines)
        bad.push_str("ls@example.org,Line\u{2028}Separator,,,,,en,\n"); // line 11
        std::fs::write(dir.join("digital-cities.csv"), bad).unwrap();

        let out = circulars(cwd, &db.url, &["recipients", "sync"]);
        assert_eq!(out.status.code(), Some(65), "{kind:?}");
        let err = stderr(&out);
        assert!(dir.ends_with("recipients"));
        let file = "recipients/digital-cities.csv";
        for expected in [
            format!("{file}:3: address `not-an-address` has no `@`"),
            format!("{file}:4: unknown language `de`"),
            format!("{file}:6: duplicate address `Dup@rome.example.org` (first at line 5)"),
            format!("{file}:7: the row has 3 fields, the header 8"),
            format!("{file}:8: field `name` contains a control character or line break '\\r'"),
            format!("{file}:10: field `name` contains a control character or line break '\\t'"),
            format!(
                "{file}:11: field `name` contains a control character or line break '\\u{{2028}}'"
            ),
        ] {
            assert!(
                err.contains(&expected),
                "{kind:?}: missing {expected:?} in:\n{err}"
            );
        }
        assert!(!err.contains(":2:"), "the good row is not a fault:\n{err}");
        assert!(stdout(&out).is_empty(), "nothing is reported as synced");
        let after = stdout(&circulars(
            cwd,
            &db.url,
            &["members", "list", "--format", "json"],
        ));
        assert_eq!(before, after, "{kind:?}: the database is exactly as it was");
    }
}

#[test]
fn a_file_mixing_utf8_and_another_encoding_is_named_with_its_line_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let recipients = copy_recipients(dir.path());
    let mut bytes = HEADER.as_bytes().to_vec();
    bytes.extend_from_slice("ok@example.org,Océane,,,,,en,\n".as_bytes());
    bytes.extend_from_slice(b"latin1@example.org,Fran\xe7ois,,,,,fr,\n");
    std::fs::write(recipients.join("digital-cities.csv"), bytes).unwrap();
    let db = format!("sqlite://{}/db.sqlite", dir.path().display());
    let out = circulars(dir.path(), &db, &["recipients", "sync"]);
    assert_eq!(out.status.code(), Some(65));
    let err = stderr(&out);
    assert!(
        err.contains("digital-cities.csv:3: byte 0xE7 is not UTF-8")
            && err.contains("line 2 holds UTF-8")
            && err.contains("save it as CSV UTF-8"),
        "{err}"
    );
}

#[test]
fn a_csv_file_of_no_committee_and_a_bad_committee_language_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let recipients = copy_recipients(dir.path());
    std::fs::write(recipients.join("typo-cities.csv"), HEADER).unwrap();
    let db = format!("sqlite://{}/db.sqlite", dir.path().display());
    let out = circulars(dir.path(), &db, &["recipients", "sync", "--dry-run"]);
    assert_eq!(out.status.code(), Some(65));
    assert!(
        stderr(&out).contains("typo-cities.csv:1: no committee"),
        "{}",
        stderr(&out)
    );

    std::fs::remove_file(recipients.join("typo-cities.csv")).unwrap();
    let toml = std::fs::read_to_string(recipients.join("committees.toml")).unwrap();
    std::fs::write(
        recipients.join("committees.toml"),
        toml.replacen("language = \"fr\"", "language = \"pt\"", 1),
    )
    .unwrap();
    let out = circulars(dir.path(), &db, &["recipients", "sync"]);
    assert_eq!(out.status.code(), Some(65));
    assert!(
        stderr(&out).contains("committees.toml:10: unknown language `pt`"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test]
async fn members_are_listed_added_updated_and_removed_from_the_command_line() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let cwd = db.dir.path();
        copy_recipients(cwd);
        assert!(
            circulars(cwd, &db.url, &["recipients", "sync"])
                .status
                .success()
        );

        let out = circulars(
            cwd,
            &db.url,
            &[
                "members",
                "list",
                "--committee",
                "decentralisation",
                "--format",
                "json",
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 8, "{kind:?}");
        for key in [
            "email",
            "name",
            "position",
            "organisation",
            "city",
            "country",
            "language",
            "committees",
        ] {
            assert!(list[0].get(key).is_some(), "{key} missing");
        }

        let add = circulars(
            cwd,
            &db.url,
            &[
                "members",
                "add",
                "Kofi@Accra.Example.org",
                "--committee",
                "decentralisation",
                "--name",
                "Kofi Boateng",
                "--language",
                "en",
                "--role",
                "observer",
            ],
        );
        assert!(add.status.success(), "{}", stderr(&add));
        let update = circulars(
            cwd,
            &db.url,
            &[
                "members",
                "update",
                "Kofi@accra.example.org",
                "--city",
                "Accra",
            ],
        );
        assert!(update.status.success(), "{}", stderr(&update));
        let csv = stdout(&circulars(
            cwd,
            &db.url,
            &["members", "list", "--format", "csv"],
        ));
        assert!(
            csv.contains("Kofi@accra.example.org,Kofi Boateng,,,Accra,,en,decentralisation"),
            "{csv}"
        );
        let table = stdout(&circulars(cwd, &db.url, &["members", "list"]));
        assert!(table.starts_with("EMAIL"), "{table}");

        let bad = circulars(
            cwd,
            &db.url,
            &[
                "members",
                "add",
                "not an address",
                "--committee",
                "decentralisation",
            ],
        );
        assert_eq!(bad.status.code(), Some(64), "{}", stderr(&bad));
        let unknown = circulars(
            cwd,
            &db.url,
            &["members", "add", "a@example.org", "--committee", "nowhere"],
        );
        assert_eq!(unknown.status.code(), Some(65), "{}", stderr(&unknown));
        assert!(stderr(&unknown).contains("unknown committee `nowhere`"));
        // A refused add changes nothing, not even the fields it named.
        let refused = circulars(
            cwd,
            &db.url,
            &[
                "members",
                "add",
                "Kofi@accra.example.org",
                "--committee",
                "nowhere",
                "--name",
                "Someone Else",
            ],
        );
        assert_eq!(refused.status.code(), Some(65));
        let csv = stdout(&circulars(
            cwd,
            &db.url,
            &["members", "list", "--format", "csv"],
        ));
        assert!(
            csv.contains("Kofi Boateng") && !csv.contains("Someone Else"),
            "{kind:?}"
        );
        let injected = circulars(
            cwd,
            &db.url,
            &[
                "members",
                "update",
                "Kofi@accra.example.org",
                "--name",
                "X\r\nBcc: all@example.org",
            ],
        );
        assert_eq!(injected.status.code(), Some(64));

        let remove = circulars(
            cwd,
            &db.url,
            &["members", "remove", "Kofi@accra.example.org"],
        );
        assert!(remove.status.success(), "{}", stderr(&remove));
        let csv = stdout(&circulars(
            cwd,
            &db.url,
            &["members", "list", "--format", "csv"],
        ));
        assert!(!csv.contains("Kofi@"), "{kind:?}");
        let again = circulars(
            cwd,
            &db.url,
            &["members", "remove", "Kofi@accra.example.org"],
        );
        assert_eq!(again.status.code(), Some(65));
        assert!(
            stderr(&again).contains("is not on that list"),
            "{}",
            stderr(&again)
        );
        let nothing = circulars(
            cwd,
            &db.url,
            &["members", "update", "Kofi@accra.example.org"],
        );
        assert_eq!(
            nothing.status.code(),
            Some(64),
            "an update that names no field"
        );
        let usage = circulars(cwd, &db.url, &["members", "frobnicate"]);
        assert_eq!(usage.status.code(), Some(64));
    }
}

#[test]
fn an_export_synced_back_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    copy_recipients(dir.path());
    let db = format!("sqlite://{}/db.sqlite", dir.path().display());
    assert!(
        circulars(dir.path(), &db, &["recipients", "sync"])
            .status
            .success()
    );
    let export = circulars(
        dir.path(),
        &db,
        &["recipients", "export", "--dir", "exported"],
    );
    assert!(export.status.success(), "{}", stderr(&export));
    let again = circulars(
        dir.path(),
        &db,
        &["recipients", "sync", "--dir", "exported"],
    );
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        stdout(&again),
        "exported/digital-cities.csv: UTF-8, comma\nexported/decentralisation.csv: UTF-8, comma\n\
         digital-cities: 0 added, 0 changed, 0 removed\ndecentralisation: 0 added, 0 changed, 0 removed\n",
        "committees keep their order"
    );
    let one = stdout(&circulars(
        dir.path(),
        &db,
        &["recipients", "export", "--committee", "decentralisation"],
    ));
    assert!(one.starts_with(HEADER));
    assert_eq!(one.lines().count(), 9);

    let all = stdout(&circulars(dir.path(), &db, &["recipients", "export"]));
    assert!(
        all.starts_with("email,name,position,organisation,city,country,language,role,committee\n")
    );
    assert_eq!(all.lines().count(), 1 + 49, "a row per membership");
    assert!(
        all.lines()
            .any(|l| l.starts_with("amina.diallo@") && l.ends_with(",vice-chair,decentralisation"))
    );

    // One committee into a folder: a folder that syncs back on its own.
    let export = circulars(
        dir.path(),
        &db,
        &[
            "recipients",
            "export",
            "--committee",
            "decentralisation",
            "--dir",
            "one",
        ],
    );
    assert!(export.status.success(), "{}", stderr(&export));
    let dry = circulars(
        dir.path(),
        &db,
        &["recipients", "sync", "--dir", "one", "--dry-run"],
    );
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(
        stdout(&dry).starts_with(
            "one/decentralisation.csv: UTF-8, comma\ndecentralisation: 0 added, 0 changed, 0 removed\n"
        ),
        "{}",
        stdout(&dry)
    );
}

#[test]
fn configuration_faults_name_the_file_or_variable_and_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bad.toml");
    std::fs::write(&config, "[smtp]\nport = 25\nhots = \"mail.example.org\"\n").unwrap();
    let db = format!("sqlite://{}/db.sqlite", dir.path().display());
    let out = circulars(
        dir.path(),
        &db,
        &["--config", config.to_str().unwrap(), "members", "list"],
    );
    assert_eq!(out.status.code(), Some(65));
    let err = stderr(&out);
    assert!(
        err.contains("bad.toml") && err.contains("hots") && err.contains("line 3"),
        "{err}"
    );

    let out = common::circulars_with(
        dir.path(),
        &db,
        &["members", "list"],
        &[("CIRCULARS_SMTP_PORT", "many")],
    );
    assert_eq!(out.status.code(), Some(65));
    assert!(
        stderr(&out).contains("CIRCULARS_SMTP_PORT"),
        "{}",
        stderr(&out)
    );

    let out = common::circulars_with(
        dir.path(),
        &db,
        &["members", "list"],
        &[("CIRCULARS_DATABASE_URL", "mysql://db.example.org/c")],
    );
    assert_eq!(out.status.code(), Some(65));
    let err = stderr(&out);
    assert!(
        err.contains("environment variable CIRCULARS_DATABASE_URL"),
        "{err}"
    );

    let out = circulars(
        dir.path(),
        &db,
        &["--config", "missing.toml", "members", "list"],
    );
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
}

#[test]
fn an_unreachable_database_exits_with_69() {
    let dir = tempfile::tempdir().unwrap();
    let out = circulars(
        dir.path(),
        "postgres://nobody@127.0.0.1:1/none",
        &["members", "list"],
    );
    assert_eq!(out.status.code(), Some(69), "{}", stderr(&out));
}
