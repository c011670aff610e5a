//! `circulars render` and `circulars circulars list` through the real binary.

mod common;

use circulars::members::EmailAddress;
use circulars::tokens::{Purpose, Signer};
use common::{
    BACKENDS, TestDb, circulars, circulars_with, copy_recipients, project_dir, stderr, stdout,
};
use mail_parser::MessageParser;

#[test]
fn a_preview_is_in_the_language_asked_for_with_its_own_date_forms() {
    let dir = tempfile::tempdir().unwrap();
    copy_recipients(dir.path());
    let db = format!("sqlite://{}/db.sqlite", dir.path().display());
    for (lang, deadline) in [
        ("fr", "24 octobre 2014"),
        ("en", "24 October 2014"),
        ("es", "24 de octubre de 2014"),
    ] {
        let out = circulars(dir.path(), &db, &["render", "30", "--lang", lang]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).contains(deadline), "{lang}");
        let html = circulars(
            dir.path(),
            &db,
            &["render", "30", "--lang", lang, "--format", "html"],
        );
        assert!(stdout(&html).starts_with("<!DOCTYPE html>"));
        assert!(stdout(&html).contains(&format!("<html lang=\"{lang}\">")));
    }
    let out = circulars(dir.path(), &db, &["render", "30", "--lang", "de"]);
    assert_eq!(out.status.code(), Some(64));
    let out = circulars(dir.path(), &db, &["render", "99"]);
    assert_eq!(out.status.code(), Some(65));
    assert!(stderr(&out).contains("no circular 99"));
}

#[tokio::test]
async fn a_members_preview_is_exactly_their_mail_in_their_language_on_both_databases() {
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let cwd = db.dir.path();
        copy_recipients(cwd);
        assert!(
            circulars(cwd, &db.url, &["recipients", "sync"])
                .status
                .success()
        );
        // A Spanish-speaking member of the committee.
        let csv = std::fs::read_to_string(cwd.join("recipients/digital-cities.csv")).unwrap();
        let row = csv.lines().find(|l| l.contains(",es,")).unwrap();
        let email = row.split(',').next().unwrap();

        let out = circulars(
            cwd,
            &db.url,
            &["render", "30", "--member", email, "--format", "eml"],
        );
        assert!(out.status.success(), "{kind:?}: {}", stderr(&out));
        let parsed = MessageParser::default().parse(&out.stdout).unwrap();
        assert_eq!(parsed.to().unwrap().first().unwrap().address(), Some(email));
        assert!(
            parsed
                .body_text(0)
                .unwrap()
                .contains("24 de octubre de 2014"),
            "{kind:?}"
        );
        assert_eq!(
            parsed.header_raw("Content-Language").map(str::trim),
            Some("es")
        );

        let store = db.store().await;
        let id = store
            .member(&EmailAddress::parse(email).unwrap())
            .await
            .unwrap()
            .unwrap()
            .id;
        let reply_to = parsed
            .reply_to()
            .unwrap()
            .first()
            .unwrap()
            .address()
            .unwrap()
            .to_string();
        let token = reply_to
            .strip_prefix("circulars+c030.")
            .unwrap()
            .split('@')
            .next()
            .unwrap();
        assert_eq!(
            Signer::new(b"test-secret-test-secret-test-secret").verify(Purpose::Reply, 30, token),
            Some(id),
            "{kind:?}"
        );
        store.close().await;

        let stranger = circulars(
            cwd,
            &db.url,
            &["render", "30", "--member", "nobody@example.org"],
        );
        assert_eq!(stranger.status.code(), Some(65), "{}", stderr(&stranger));
    }
}

#[test]
fn circulars_are_listed_with_the_fields_scripts_rely_on() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/db.sqlite", dir.path().display());
    let out = circulars(dir.path(), &db, &["circulars", "list", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &list[0];
    assert_eq!(first["number"], 30);
    assert_eq!(first["slug"], "smart-local-governance");
    assert_eq!(first["languages"], serde_json::json!(["fr", "en", "es"]));
    assert_eq!(first["status"], "draft");
    assert_eq!(first["send_at"], "2014-09-04T10:00:00");
    assert_eq!(first["deadline"], "2014-10-24");
    assert_eq!(first["capacity"], 60);
}

/// A copy of the shipped templates whose French text has a line for chairs and one for
/// vice-chairs.
fn templates_with_role_branches(dir: &std::path::Path) -> std::path::PathBuf {
    let templates = dir.join("templates");
    for sub in ["layout", "circulars/030-smart-local-governance"] {
        std::fs::create_dir_all(templates.join(sub)).unwrap();
        for entry in std::fs::read_dir(project_dir().join("templates").join(sub)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), templates.join(sub).join(entry.file_name())).unwrap();
        }
    }
    let fr = templates.join("circulars/030-smart-local-governance/fr.md");
    let text = std::fs::read_to_string(&fr).unwrap();
    let branches = "{% if member.role == \"chair\" %}BRANCHE-PRÉSIDENCE{% endif %}\n\
                    {% if member.role == \"vice-chair\" %}BRANCHE-VICE-PRÉSIDENCE{% endif %}\n";
    std::fs::write(&fr, format!("{text}{branches}")).unwrap();
    templates
}

#[test]
fn a_preview_takes_the_role_the_member_has_in_the_circulars_committee() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path();
    copy_recipients(cwd);
    let templates = templates_with_role_branches(cwd);
    let env = [("CIRCULARS_TEMPLATES_DIR", templates.to_str().unwrap())];
    let db = format!("sqlite://{}/db.sqlite", cwd.display());
    let run = |args: &[&str]| circulars_with(cwd, &db, args, &env);
    assert!(run(&["recipients", "sync"]).status.success());

    // Vice-chair of digital-cities, the committee of circular 30.
    let out = run(&[
        "render",
        "30",
        "--member",
        "francoise.lefevre@bordeaux.example.net",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("BRANCHE-VICE-PRÉSIDENCE"));
    assert!(!stdout(&out).contains("BRANCHE-PRÉSIDENCE"));
    // Vice-chair of another committee, a plain member of this one.
    let out = run(&["render", "30", "--member", "amina.diallo@dakar.example.net"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains("BRANCHE"), "{}", stdout(&out));

    let out = run(&["render", "30", "--lang", "fr", "--role", "chair"]);
    assert!(stdout(&out).contains("BRANCHE-PRÉSIDENCE"));
    let out = run(&["render", "30", "--role", "chiar"]);
    assert_eq!(out.status.code(), Some(64));
    assert!(
        stderr(&out).contains("unknown role `chiar`"),
        "{}",
        stderr(&out)
    );
}
