//! Member lists as Excel and LibreOffice save them, through the real binary: encodings,
//! delimiters, French and Spanish headers and values, and the line each fault names.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{BACKENDS, TestDb, circulars, copy_recipients, stderr, stdout};
use encoding_rs::WINDOWS_1252;

/// A scratch folder with the sample recipients, `digital-cities.csv` replaced by `bytes`.
fn folder(bytes: &[u8]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let recipients = copy_recipients(dir.path());
    std::fs::write(recipients.join("digital-cities.csv"), bytes).unwrap();
    let db = format!("sqlite://{}/db.sqlite", dir.path().display());
    (dir, db)
}

fn run(dir: &Path, db: &str, args: &[&str]) -> Output {
    circulars(dir, db, args)
}

/// The faults a refused sync printed.
fn refused(bytes: &[u8]) -> String {
    let (dir, db) = folder(bytes);
    let out = run(dir.path(), &db, &["recipients", "sync", "--dry-run"]);
    assert_eq!(out.status.code(), Some(65), "{}", stdout(&out));
    stderr(&out)
}

fn windows_1252(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = WINDOWS_1252.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let mut bytes = if little_endian {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for unit in text.encode_utf16() {
        let pair = if little_endian {
            unit.to_le_bytes()
        } else {
            unit.to_be_bytes()
        };
        bytes.extend_from_slice(&pair);
    }
    bytes
}

const FILE: &str = "recipients/digital-cities.csv";

#[test]
fn every_fault_names_its_line_with_unix_or_windows_endings_and_without_a_last_newline() {
    let rows = [
        "email,name,language",
        "ok@example.org,Ok,en",
        "bad-address,Bad,en",
        "two@example.org,Two,en",
        "lang@example.org,Lang,klingon",
        "last@example.org,Last,xx",
    ];
    for ending in ["\n", "\r\n"] {
        for last_newline in [true, false] {
            let mut text = rows.join(ending);
            if last_newline {
                text.push_str(ending);
            }
            let err = refused(text.as_bytes());
            let case = format!("{ending:?}, last newline {last_newline}");
            for expected in [
                format!("{FILE}:3: address `bad-address` has no `@`"),
                format!("{FILE}:5: unknown language `klingon`"),
                format!("{FILE}:6: unknown language `xx`"),
            ] {
                assert!(err.contains(&expected), "{case}: no {expected:?} in\n{err}");
            }
            assert_eq!(
                err.matches(&format!("{FILE}:")).count(),
                3,
                "{case}:\n{err}"
            );
        }
    }
}

#[tokio::test]
async fn a_french_excel_file_in_windows_1252_with_semicolons_syncs_with_its_accents() {
    let text = "Courriel;Nom;Fonction;Organisme;Ville;Pays;Langue;Rôle;Téléphone\r\n\
                ana@bilbao.example.org;Ana Pérez;Conseillère;Mairie;Bilbao;Espagne;Français;Présidente;+34 944\r\n\
                ;;;;;;;;\r\n\
                luc@lyon.example.org;Luc Bézier;;;Lyon;France;fr-FR;membre;\r\n";
    for kind in BACKENDS {
        let db = TestDb::new(kind).await;
        let recipients = copy_recipients(db.dir.path());
        std::fs::write(recipients.join("digital-cities.csv"), windows_1252(text)).unwrap();
        let out = circulars(db.dir.path(), &db.url, &["recipients", "sync"]);
        assert!(out.status.success(), "{kind:?}: {}", stderr(&out));
        assert!(
            stdout(&out).starts_with(&format!(
                "{FILE}: Windows-1252, semicolon; column \"Téléphone\" ignored\n"
            )),
            "{kind:?}: {}",
            stdout(&out)
        );
        assert!(
            stdout(&out).contains("digital-cities: 2 added"),
            "the empty row is skipped"
        );
        let list = circulars(
            db.dir.path(),
            &db.url,
            &[
                "members",
                "list",
                "--committee",
                "digital-cities",
                "--format",
                "json",
            ],
        );
        let members: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
        let ana = &members[0];
        assert_eq!(ana["name"], "Ana Pérez", "{kind:?}");
        assert_eq!(ana["position"], "Conseillère");
        assert_eq!(ana["country"], "Espagne");
        assert_eq!(ana["language"], "fr");
        assert_eq!(ana["roles"]["digital-cities"], "chair");
        assert_eq!(members[1]["name"], "Luc Bézier");
        assert_eq!(members[1]["roles"]["digital-cities"], "member");
    }
}

#[test]
fn excel_unicode_text_in_utf16_with_tabs_and_a_spanish_header_syncs() {
    let text = "Correo electrónico\tNombre\tCargo\tOrganización\tCiudad\tPaís\tIdioma\tRol\r\n\
                jr@bilbao.example.org\tJosé Ramón\tConcejal\tAyuntamiento\tBilbao\tES\tEspañol\tVicepresidenta\r\n";
    for (little_endian, name) in [(true, "UTF-16 LE"), (false, "UTF-16 BE")] {
        let (dir, db) = folder(&utf16(text, little_endian));
        let out = run(dir.path(), &db, &["recipients", "sync"]);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        assert!(stdout(&out).starts_with(&format!("{FILE}: {name}, tab\n")));
        let list = stdout(&run(
            dir.path(),
            &db,
            &["members", "list", "--format", "csv"],
        ));
        assert!(
            list.contains("jr@bilbao.example.org,José Ramón,Concejal,Ayuntamiento,Bilbao,ES,es"),
            "{name}: {list}"
        );
    }
}

#[test]
fn a_utf8_file_with_a_bom_and_headers_in_capitals_syncs() {
    let text = "\u{FEFF}EMAIL,Name,E-Mail Address Note\nana@example.org,Ana María,x\n,,\n";
    let (dir, db) = folder(text.as_bytes());
    let out = run(dir.path(), &db, &["recipients", "sync"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with(&format!(
            "{FILE}: UTF-8 with BOM, comma; column \"E-Mail Address Note\" ignored\n"
        )),
        "{}",
        stdout(&out)
    );
}

#[test]
fn files_that_cannot_be_read_say_what_to_do() {
    for (bytes, expected) in [
        (Vec::new(), format!("{FILE}:1: empty file: no header line")),
        (
            b"\xEF\xBB\xBF".to_vec(),
            format!("{FILE}:1: empty file: no header line"),
        ),
        (
            utf16("email\tname\r\n", true)[2..].to_vec(),
            format!("{FILE}:1: the file holds NUL bytes: it looks like UTF-16"),
        ),
        (
            b"email,name\r\na@example.org,A\x81\r\n".to_vec(),
            format!("{FILE}:2: byte 0x81 is neither UTF-8 nor Windows-1252; save it as CSV UTF-8"),
        ),
        (
            b"email;courriel\r\na@example.org;a@example.org\r\n".to_vec(),
            format!("{FILE}:1: columns `email` and `courriel` both give the `email`: delete one"),
        ),
        (
            b"email;nom;ville\r\na@example.org;A;Lyon;France\r\n".to_vec(),
            format!("{FILE}:2: the row has 4 fields, the header 3"),
        ),
        (
            b"ana@example.org,Ana\n".to_vec(),
            format!("{FILE}:1: the header has no address column"),
        ),
    ] {
        let err = refused(&bytes);
        assert!(err.contains(&expected), "no {expected:?} in:\n{err}");
    }
}

#[test]
fn one_mailbox_twice_with_a_different_case_is_refused_naming_both_lines() {
    let err = refused(
        b"email,name\nAna@x.example.org,Ana\nbob@x.example.org,Bob\nana@x.example.org,Ana\n",
    );
    assert!(
        err.contains(&format!(
            "{FILE}:4: `ana@x.example.org` and `Ana@x.example.org` (line 2) differ only in the case"
        )),
        "{err}"
    );
}

#[test]
fn long_invisible_and_direction_changing_values_are_refused_with_the_field_named() {
    let text = format!(
        "email,name,city\n\
         a@example.org,{},Lyon\n\
         b@example.org,Ana\u{202E}zeréP,Lyon\n\
         c@example.org,Ana,Ly\u{200B}on\n",
        "x".repeat(201)
    );
    let err = refused(text.as_bytes());
    for expected in [
        format!("{FILE}:2: field `name` has 201 characters, more than the 200 allowed"),
        format!("{FILE}:3: field `name` contains U+202E RIGHT-TO-LEFT OVERRIDE"),
        format!("{FILE}:4: field `city` contains U+200B ZERO WIDTH SPACE"),
    ] {
        assert!(err.contains(&expected), "no {expected:?} in:\n{err}");
    }
}

#[test]
fn values_are_stored_composed_so_one_name_is_one_spelling() {
    let (dir, db) = folder("email,name\nj@example.org,Jose\u{301} Ramo\u{301}n\n".as_bytes());
    assert!(
        run(dir.path(), &db, &["recipients", "sync"])
            .status
            .success()
    );
    let list = stdout(&run(
        dir.path(),
        &db,
        &["members", "list", "--format", "csv"],
    ));
    assert!(
        list.contains("j@example.org,Jos\u{e9} Ram\u{f3}n,"),
        "{list:?}"
    );
}

#[test]
fn two_files_that_disagree_show_both_values_and_an_absent_column_is_no_disagreement() {
    // digital-cities.csv has no `city` column: it says nothing of Amina's city.
    let text = "email,name\namina.diallo@dakar.example.net,Amina Dialo\n";
    let err = refused(text.as_bytes());
    assert!(
        err.contains("name `Amina Diallo` here, `Amina Dialo` there"),
        "{err}"
    );
    assert!(!err.contains("city"), "{err}");
}

fn read_back(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join("digital-cities.csv")).unwrap()
}

#[test]
fn an_export_for_excel_keeps_its_accents_and_syncs_back_unchanged() {
    let (dir, db) = folder(
        &std::fs::read(common::project_dir().join("recipients/digital-cities.csv")).unwrap(),
    );
    assert!(
        run(dir.path(), &db, &["recipients", "sync"])
            .status
            .success()
    );
    let export = run(
        dir.path(),
        &db,
        &["recipients", "export", "--excel", "--dir", "excel"],
    );
    assert!(export.status.success(), "{}", stderr(&export));
    let excel: PathBuf = dir.path().join("excel");
    let bytes = read_back(&excel);
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBFemail;name;position;"),
        "BOM and semicolons"
    );
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(text.contains(";Françoise Lefèvre;") && text.contains("\r\n"));

    let again = run(dir.path(), &db, &["recipients", "sync", "--dir", "excel"]);
    assert!(again.status.success(), "{}", stderr(&again));
    let report = stdout(&again);
    assert!(
        report.contains("excel/digital-cities.csv: UTF-8 with BOM, semicolon\n"),
        "{report}"
    );
    assert!(
        report.contains("digital-cities: 0 added, 0 changed, 0 removed\n"),
        "{report}"
    );
    assert!(
        report.contains("decentralisation: 0 added, 0 changed, 0 removed\n"),
        "{report}"
    );

    let out = run(
        dir.path(),
        &db,
        &[
            "recipients",
            "export",
            "--excel",
            "--committee",
            "digital-cities",
        ],
    );
    assert!(out.stdout.starts_with(b"\xEF\xBB\xBFemail;"));
    let tabs = run(
        dir.path(),
        &db,
        &["recipients", "export", "--delimiter", "tab"],
    );
    assert!(
        tabs.stdout.starts_with(b"email\tname\t"),
        "{}",
        stderr(&tabs)
    );
}

#[test]
fn the_fields_a_file_has_no_column_for_are_named_for_the_sync() {
    let (dir, _) = folder("Correo;Nombre;Idioma\r\nana@example.org;Ana;es\r\n".as_bytes());
    let lists = circulars::members::recipients::read_dir(
        &dir.path().join("recipients"),
        &circulars::locale::Language::ALL,
    )
    .unwrap();
    let digital = lists
        .iter()
        .find(|l| l.committee.slug == "digital-cities")
        .unwrap();
    assert_eq!(
        digital.absent,
        vec!["position", "organisation", "city", "country", "role"]
    );
    let full = lists
        .iter()
        .find(|l| l.committee.slug == "decentralisation")
        .unwrap();
    assert!(full.absent.is_empty());
}
