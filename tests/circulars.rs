//! Circular 30 rendered as members receive it: snapshots in three languages, the MIME
//! message parsed back, escaping, header injection and language fallback.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use circulars::circulars::definition;
use circulars::circulars::message::{self, Envelope};
use circulars::circulars::{Layout, Recipient, Renderer, Settings};
use circulars::locale::Language;
use circulars::members::recipients::read_committees;
use circulars::members::{Committee, EmailAddress, Member};
use circulars::tokens::{Purpose, Signer};
use common::project_dir;
use mail_parser::{MessageParser, MimeHeaders};

const KEY: &[u8] = b"test-secret";

fn settings() -> Settings {
    Settings {
        reply_local: "circulars".into(),
        reply_domain: "uclg.example.org".into(),
        public_url: "https://circulars.uclg.example.org".into(),
        default_language: Language::En,
    }
}

fn renderer_for(templates: &Path, folder: &str) -> Renderer {
    let circular =
        definition::load(&templates.join("circulars").join(folder), &Language::ALL).unwrap();
    let layout = Layout::load(&templates.join("layout")).unwrap();
    Renderer::new(
        Arc::new(circular),
        Arc::new(layout),
        settings(),
        Signer::new(KEY),
    )
    .unwrap()
}

fn renderer() -> Renderer {
    renderer_for(
        &project_dir().join("templates"),
        "030-smart-local-governance",
    )
}

fn committee() -> Committee {
    read_committees(
        &project_dir().join("recipients/committees.toml"),
        &Language::ALL,
    )
    .unwrap()
    .into_iter()
    .find(|c| c.slug == "digital-cities")
    .unwrap()
}

fn member(language: Option<Language>) -> Member {
    Member {
        name: "Ana Pérez Etxeberria".into(),
        position: "Head of Digital Affairs".into(),
        organisation: "City of Bilbao".into(),
        city: "Bilbao".into(),
        country: "ES".into(),
        language,
        ..Member::new(EmailAddress::parse("ana.perez@bilbao.example.org").unwrap())
    }
}

/// Compares with `tests/snapshots/NAME`; `UPDATE_SNAPSHOTS=1` rewrites it.
fn assert_snapshot(name: &str, actual: &str) {
    let path: PathBuf = project_dir().join("tests/snapshots").join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "no snapshot {}: run with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .map_or(expected.lines().count().min(actual.lines().count()), |i| i);
        panic!(
            "{name} differs from its snapshot at line {}:\n expected: {:?}\n   actual: {:?}\n(UPDATE_SNAPSHOTS=1 rewrites it)",
            line + 1,
            expected.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

#[test]
fn circular_30_reads_right_in_french_english_and_spanish() {
    let renderer = renderer();
    let committee = committee();
    for (lang, deadline, date, languages) in [
        (
            Language::Fr,
            "24 octobre 2014",
            "Barcelone, 4 septembre 2014",
            "Programme provisoire\u{a0}: anglais / espagnol",
        ),
        (
            Language::En,
            "24 October 2014",
            "Barcelona, 4 September 2014",
            "Provisional programme: English / Spanish",
        ),
        (
            Language::Es,
            "24 de octubre de 2014",
            "Barcelona, 4 de septiembre de 2014",
            "Programa provisional: inglés / español",
        ),
    ] {
        let member = member(Some(lang));
        let to = Recipient {
            member_id: 7,
            member: &member,
            committee: &committee,
            role: "member",
        };
        let rendered = renderer.render(to, None).unwrap();
        assert_eq!(rendered.language, lang);
        assert!(!rendered.fallback);
        assert!(rendered.text.contains(deadline), "{lang}: {deadline}");
        assert!(rendered.html.contains(deadline), "{lang}: {deadline}");
        assert!(rendered.text.contains(date), "{lang}: {date}");
        assert!(rendered.text.contains(languages), "{lang}: {languages}");
        assert!(
            rendered.text.contains("Ana Pérez Etxeberria"),
            "{lang}: greeting by name"
        );
        assert!(
            rendered.text.contains(committee.name.get(lang)),
            "{lang}: committee name"
        );
        assert!(
            !rendered.html.contains("<img") && !rendered.html.contains("<link"),
            "self-contained"
        );
        assert!(
            !rendered.html.contains("QQV") && !rendered.text.contains("QQV"),
            "no placeholder left"
        );
        assert_snapshot(
            &format!("030-{lang}.txt"),
            &format!("Subject: {}\n\n{}", rendered.subject, rendered.text),
        );
        assert_snapshot(&format!("030-{lang}.html"), &rendered.html);
    }
}

#[test]
fn a_member_without_a_name_gets_the_collective_greeting() {
    let renderer = renderer();
    let committee = committee();
    let member = Member::new(EmailAddress::parse("info@lima.example.org").unwrap());
    let to = Recipient {
        member_id: 8,
        member: &member,
        committee: &committee,
        role: "member",
    };
    let rendered = renderer.render(to, Some(Language::Fr)).unwrap();
    assert!(rendered.text.contains("Chers membres de la Commission,"));
    let rendered = renderer.render(to, Some(Language::Es)).unwrap();
    assert!(rendered.text.contains("Estimados miembros de la Comisión:"));
}

fn eml(renderer: &Renderer, member: &Member, committee: &Committee) -> Vec<u8> {
    let to = Recipient {
        member_id: 7,
        member,
        committee,
        role: "member",
    };
    let rendered = renderer.render(to, None).unwrap();
    let circular = renderer.circular();
    let attachments = message::attachments(circular).unwrap();
    let envelope = Envelope {
        from_name: "UCLG World Secretariat",
        from_address: "circulars@uclg.example.org",
        to_name: &member.name,
        to: &member.email,
        message_id: "circular-030.member-7@uclg.example.org".into(),
        date: std::time::SystemTime::now(),
        committee,
        list_domain: "uclg.example.org",
        in_reply_to: None,
        references: Vec::new(),
        auto_submitted: "auto-generated",
    };
    message::build(&rendered, &attachments, &envelope)
        .unwrap()
        .formatted()
}

#[test]
fn the_eml_parses_back_as_a_correct_multipart_message_with_list_headers() {
    let renderer = renderer();
    let committee = committee();
    let member = member(Some(Language::Fr));
    let raw = eml(&renderer, &member, &committee);
    let parsed = MessageParser::default().parse(&raw).unwrap();

    assert_eq!(
        parsed.message_id(),
        Some("circular-030.member-7@uclg.example.org")
    );
    assert!(parsed.date().is_some());
    let from = parsed.from().unwrap().first().unwrap();
    assert_eq!(from.address(), Some("circulars@uclg.example.org"));
    let to = parsed.to().unwrap().first().unwrap();
    assert_eq!(
        to.name(),
        Some("Ana Pérez Etxeberria"),
        "encoded display name decodes"
    );
    assert_eq!(to.address(), Some("ana.perez@bilbao.example.org"));
    assert_eq!(
        parsed.subject(),
        Some("Circulaire 30 – SMART LOCAL GOVERNANCE, Bilbao, 6–7 novembre 2014")
    );

    // The Reply-To carries a token that verifies for this member and circular only.
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
        .and_then(|r| r.strip_suffix("@uclg.example.org"))
        .unwrap();
    assert_eq!(Signer::new(KEY).verify(Purpose::Reply, 30, token), Some(7));
    assert_eq!(
        Signer::new(b"another key").verify(Purpose::Reply, 30, token),
        None
    );

    let header = |name: &str| {
        parsed
            .header_raw(name)
            .unwrap_or_else(|| panic!("{name} missing"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let raw_list_id = header("List-Id");
    assert!(
        raw_list_id.starts_with("=?utf-8?b?") && !raw_list_id.contains('"'),
        "RFC 2047: encoded words, never inside quotes: {raw_list_id}"
    );
    let list_id = parsed
        .header("List-Id")
        .unwrap()
        .as_address()
        .unwrap()
        .first()
        .unwrap();
    assert_eq!(list_id.address(), Some("digital-cities.uclg.example.org"));
    assert_eq!(
        list_id.name(),
        Some("Commission des Villes Numériques et de la Connaissance"),
        "the list is named in the reader's language"
    );
    let unsubscribe = header("List-Unsubscribe");
    assert!(
        unsubscribe.starts_with("<mailto:circulars+u."),
        "{unsubscribe}"
    );
    assert!(
        unsubscribe.contains(", <https://circulars.uclg.example.org/unsubscribe/7-"),
        "{unsubscribe}"
    );
    assert_eq!(
        header("List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );

    // multipart/mixed: multipart/alternative (text, HTML), then the four documents.
    let root = parsed.content_type().unwrap();
    assert_eq!((root.ctype(), root.subtype()), ("multipart", Some("mixed")));
    let types: Vec<String> = parsed
        .parts
        .iter()
        .map(|p| {
            let ct = p.content_type().unwrap();
            format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or(""))
        })
        .collect();
    assert_eq!(
        types,
        [
            "multipart/mixed",
            "multipart/alternative",
            "text/plain",
            "text/html",
            "text/plain",
            "text/plain",
            "text/plain",
            "text/plain"
        ]
    );
    let text = parsed.body_text(0).unwrap();
    assert!(text.contains("24 octobre 2014"));
    let html = parsed.body_html(0).unwrap();
    assert!(html.contains("24 octobre 2014"));
    let names: Vec<&str> = parsed
        .attachments()
        .filter_map(|a| a.attachment_name())
        .collect();
    assert_eq!(
        names,
        [
            "programme.en.txt",
            "programme.es.txt",
            "registration-form.en.txt",
            "registration-form.es.txt"
        ]
    );
    let programme = parsed.attachments().next().unwrap();
    assert!(String::from_utf8_lossy(programme.contents()).contains("Bilbao"));
}

#[test]
fn member_data_is_escaped_in_html_and_cannot_inject_headers() {
    let renderer = renderer();
    let committee = committee();
    let mut quoted = member(Some(Language::En));
    quoted.name = "Seán O\"Brien".into();
    let parsed_raw = eml(&renderer, &quoted, &committee);
    let parsed = MessageParser::default().parse(&parsed_raw).unwrap();
    assert_eq!(
        parsed.to().unwrap().first().unwrap().name(),
        Some("Seán O\"Brien"),
        "quotes survive in To"
    );

    let mut evil = member(Some(Language::En));
    evil.name = "<script>alert(\"x\")</script> & Co\r\nBcc: everyone@example.org".into();
    let to = Recipient {
        member_id: 7,
        member: &evil,
        committee: &committee,
        role: "member",
    };
    let rendered = renderer.render(to, None).unwrap();
    assert!(
        !rendered.html.contains("<script>"),
        "raw HTML from member data"
    );
    assert!(
        rendered
            .html
            .contains("&lt;script&gt;alert(&quot;x&quot;)&lt;&#x2F;script&gt; &amp; Co")
            || rendered
                .html
                .contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"),
        "escaped"
    );
    assert!(
        rendered.text.contains("<script>alert(\"x\")</script> & Co"),
        "plain text keeps it as written"
    );

    let raw = eml(&renderer, &evil, &committee);
    let head =
        String::from_utf8_lossy(&raw[..raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap()])
            .to_string();
    assert!(
        !head
            .lines()
            .any(|l| l.to_ascii_lowercase().starts_with("bcc:")),
        "{head}"
    );
    let parsed = MessageParser::default().parse(&raw).unwrap();
    assert!(parsed.bcc().is_none());
    assert_eq!(
        parsed.to().unwrap().first().unwrap().address(),
        Some("ana.perez@bilbao.example.org")
    );
}

#[test]
fn a_member_whose_language_is_missing_gets_the_committee_or_default_language() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    copy_dir(&project_dir().join("templates"), &templates);
    let folder = templates.join("circulars/030-smart-local-governance");
    std::fs::remove_file(folder.join("es.md")).unwrap();
    let toml = std::fs::read_to_string(folder.join("circular.toml")).unwrap();
    std::fs::write(
        folder.join("circular.toml"),
        toml.replace(
            "languages = [\"fr\", \"en\", \"es\"]",
            "languages = [\"fr\", \"en\"]",
        ),
    )
    .unwrap();

    let renderer = renderer_for(&templates, "030-smart-local-governance");
    let committee = committee(); // working language: English
    let spanish = member(Some(Language::Es));
    let to = Recipient {
        member_id: 7,
        member: &spanish,
        committee: &committee,
        role: "member",
    };
    let rendered = renderer.render(to, None).unwrap();
    assert_eq!(rendered.language, Language::En);
    assert!(rendered.fallback);
    let preview = renderer.render(to, Some(Language::Es)).unwrap();
    assert_eq!(
        preview.language,
        Language::En,
        "a preview in Spanish falls back as a member would"
    );
    let french_committee = Committee {
        language: Language::Fr,
        ..committee.clone()
    };
    let to = Recipient {
        member_id: 7,
        member: &spanish,
        committee: &french_committee,
        role: "member",
    };
    assert_eq!(renderer.render(to, None).unwrap().language, Language::Fr);

    let out = common::circulars_with(
        dir.path(),
        "sqlite::memory:",
        &["check"],
        &[
            ("CIRCULARS_TEMPLATES_DIR", templates.to_str().unwrap()),
            (
                "CIRCULARS_RECIPIENTS_DIR",
                project_dir().join("recipients").to_str().unwrap(),
            ),
        ],
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(
        common::stderr(&out).contains(
            "030-smart-local-governance: no es.md: members who read Spanish get the English text"
        ),
        "{}",
        common::stderr(&out)
    );
}

#[test]
fn a_chair_and_a_member_of_one_committee_each_get_their_own_branch() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    copy_dir(&project_dir().join("templates"), &templates);
    let en = templates.join("circulars/030-smart-local-governance/en.md");
    let text = std::fs::read_to_string(&en).unwrap();
    let branches = "\n{% if member.role == \"chair\" %}As chair, you open the meeting.{% endif %}\n\
                    {% if committee.slug == \"digital-cities\" %}Digital cities only.{% endif %}\n";
    std::fs::write(&en, format!("{text}{branches}")).unwrap();
    let renderer = renderer_for(&templates, "030-smart-local-governance");
    let digital = committee();
    let other = Committee {
        slug: "other".into(),
        ..digital.clone()
    };
    let ana = member(Some(Language::En));
    let text_for = |committee: &Committee, role: &str| {
        let to = Recipient {
            member_id: 7,
            member: &ana,
            committee,
            role,
        };
        renderer.render(to, None).unwrap().text
    };
    for _ in 0..2 {
        let chair = text_for(&digital, "chair");
        assert!(chair.contains("As chair, you open the meeting."), "{chair}");
        assert!(chair.contains("Digital cities only."));
        let plain = text_for(&digital, "member");
        assert!(!plain.contains("As chair"), "{plain}");
        assert!(plain.contains("Digital cities only."));
        assert!(!text_for(&other, "chair").contains("Digital cities only."));
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
