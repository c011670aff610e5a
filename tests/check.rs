//! `circulars check`: each kind of fault in a circular is named with its file and line.

mod common;

use std::path::Path;

use common::{circulars_with, project_dir, stderr};

const TOML: &str = r#"number = NUMBER
committees = ["digital-cities"]
languages = ["en"]
send_at = 2014-09-04T10:00:00
deadline = 2014-10-24
capacity = 10
reminders = ["0 9 * * MON"]

[event]
place = "Bilbao"
title = "A meeting"
start = 2014-11-06
end = 2014-11-07
timezone = "Europe/Madrid"
"#;

const BODY: &str = "+++\nsubject = 'Circular {{ circular.number }}'\n+++\nDear {{ member.name }},\n\nSee you on {{ event.start | date }}.\n";

/// Writes a circular folder `NNN-slug` from the minimal TOML and body, edited by `edit`.
fn circular(templates: &Path, folder: &str, toml: &str, files: &[(&str, &str)]) {
    let dir = templates.join("circulars").join(folder);
    std::fs::create_dir_all(&dir).unwrap();
    let number = folder.split('-').next().unwrap().trim_start_matches('0');
    std::fs::write(dir.join("circular.toml"), toml.replace("NUMBER", number)).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

fn templates_with_layout(dir: &Path) -> std::path::PathBuf {
    let templates = dir.join("templates");
    let layout = templates.join("layout");
    std::fs::create_dir_all(&layout).unwrap();
    for name in ["base.html", "base.txt", "strings.toml"] {
        std::fs::copy(
            project_dir().join("templates/layout").join(name),
            layout.join(name),
        )
        .unwrap();
    }
    let mail = templates.join("mail");
    std::fs::create_dir_all(&mail).unwrap();
    for entry in std::fs::read_dir(project_dir().join("templates/mail")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), mail.join(entry.file_name())).unwrap();
    }
    templates
}

fn check(dir: &Path, templates: &Path) -> std::process::Output {
    circulars_with(
        dir,
        "sqlite::memory:",
        &["check"],
        &[
            ("CIRCULARS_TEMPLATES_DIR", templates.to_str().unwrap()),
            (
                "CIRCULARS_RECIPIENTS_DIR",
                project_dir().join("recipients").to_str().unwrap(),
            ),
        ],
    )
}

#[test]
fn the_shipped_templates_pass_the_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = check(dir.path(), &project_dir().join("templates"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(common::stdout(&out).contains("1 circular(s) checked, no fault"));
}

#[test]
fn every_fault_is_named_by_file_and_line_and_the_check_fails_with_65() {
    let dir = tempfile::tempdir().unwrap();
    let t = templates_with_layout(dir.path());
    circular(&t, "040-good", TOML, &[("en.md", BODY)]);
    circular(
        &t,
        "041-bad-toml",
        &TOML.replace("capacity = 10", "capacity = = 10"),
        &[("en.md", BODY)],
    );
    circular(
        &t,
        "042-missing-language",
        &TOML.replace("[\"en\"]", "[\"en\", \"fr\"]"),
        &[("en.md", BODY)],
    );
    circular(
        &t,
        "043-unknown-variable",
        TOML,
        &[(
            "en.md",
            &BODY.replace("{{ event.start | date }}", "{{ event.strat | date }}"),
        )],
    );
    circular(
        &t,
        "044-bad-cron",
        &TOML.replace("0 9 * * MON", "0 9 * * FUNDAY"),
        &[("en.md", BODY)],
    );
    circular(
        &t,
        "045-late-deadline",
        &TOML.replace("deadline = 2014-10-24", "deadline = 2014-11-20"),
        &[("en.md", BODY)],
    );
    circular(
        &t,
        "046-syntax",
        TOML,
        &[(
            "en.md",
            &BODY.replace("Dear {{ member.name }},", "Dear {{ member.name },"),
        )],
    );
    circular(
        &t,
        "047-unknown-committee",
        &TOML.replace("digital-cities", "no-such-committee"),
        &[("en.md", BODY)],
    );
    circular(
        &t,
        "048-bad-front-matter",
        TOML,
        &[("en.md", &BODY.replace("subject =", "subjet ="))],
    );

    circular(
        &t,
        "049-filtered-member",
        TOML,
        &[(
            "en.md",
            &BODY.replace("Dear {{ member.name }},", "Dear {{ member.name | upper }},"),
        )],
    );
    circular(
        &t,
        "050-compared-member",
        TOML,
        &[(
            "en.md",
            &format!("{BODY}{{% if member.country == \"ES\" %}}¡Hola!{{% endif %}}\n"),
        )],
    );
    circular(
        &t,
        "051-unknown-filter",
        TOML,
        &[("en.md", &BODY.replace("| date }}", "| dat }}"))],
    );
    circular(
        &t,
        "052-filtered-subject",
        TOML,
        &[(
            "en.md",
            &BODY.replace(
                "subject = 'Circular",
                "subject = '{{ member.city | upper }}",
            ),
        )],
    );
    circular(
        &t,
        "053-windows-lines",
        TOML,
        &[(
            "en.md",
            &format!("{BODY}{{% if member.city != \"\" %}}x{{% endif %}}\n").replace('\n', "\r\n"),
        )],
    );
    let out = check(dir.path(), &t);
    assert_eq!(out.status.code(), Some(65), "{}", stderr(&out));
    let err = stderr(&out);
    let c = t.join("circulars");
    let at = |folder: &str, file: &str, line: usize| {
        format!("{}:{line}:", c.join(folder).join(file).display())
    };
    for (expected, about) in [
        (at("041-bad-toml", "circular.toml", 6), "expected"),
        (at("042-missing-language", "circular.toml", 3), "fr.md"),
        (
            at("043-unknown-variable", "en.md", 6),
            "unknown variable `event.strat`",
        ),
        (at("044-bad-cron", "circular.toml", 7), "FUNDAY"),
        (
            at("045-late-deadline", "circular.toml", 5),
            "after the event starts",
        ),
        (at("046-syntax", "en.md", 4), "template syntax"),
        (
            at("047-unknown-committee", "circular.toml", 2),
            "unknown committee `no-such-committee`",
        ),
        (at("048-bad-front-matter", "en.md", 2), "subjet"),
        (
            at("049-filtered-member", "en.md", 4),
            "`member.name` is filtered with `| upper`",
        ),
        (
            at("050-compared-member", "en.md", 7),
            "`member.country` is compared with `==`",
        ),
        (
            at("052-filtered-subject", "en.md", 2),
            "`member.city` is filtered with `| upper`",
        ),
        (
            at("053-windows-lines", "en.md", 7),
            "`member.city` is compared with `!=`",
        ),
    ] {
        let line = err.lines().find(|l| l.starts_with(&expected));
        assert!(
            line.is_some_and(|l| l.contains(about)),
            "missing {expected} … {about} in:\n{err}"
        );
    }
    assert!(
        !err.lines()
            .any(|l| l.contains("040-good") && !l.starts_with("note:")),
        "the good circular has no fault:\n{err}"
    );
}

#[test]
fn a_fault_in_a_layout_is_named_by_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let t = templates_with_layout(dir.path());
    circular(&t, "040-good", TOML, &[("en.md", BODY)]);
    let layout = t.join("layout/base.txt");
    let text = std::fs::read_to_string(&layout).unwrap();
    std::fs::write(
        &layout,
        text.replacen("{{ t.reply_hint }}", "{{ t.reply_hnit }}", 1),
    )
    .unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("t.reply_hint"))
        .unwrap()
        + 1;

    let out = check(dir.path(), &t);
    assert_eq!(out.status.code(), Some(65), "{}", stderr(&out));
    let expected = format!(
        "{}:{line}: unknown variable `t.reply_hnit`",
        layout.display()
    );
    assert!(
        stderr(&out).contains(&expected),
        "missing {expected} in:\n{}",
        stderr(&out)
    );
}

/// Checks circulars whose body is `BODY` and then, from line 7, each case; returns stderr
/// and the path of each case's `en.md`.
fn check_cases(cases: &[&str]) -> (String, Vec<std::path::PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let t = templates_with_layout(dir.path());
    let mut files = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let folder = format!("{:03}-case", 100 + i);
        circular(&t, &folder, TOML, &[("en.md", &format!("{BODY}{case}\n"))]);
        files.push(t.join("circulars").join(folder).join("en.md"));
    }
    let out = check(dir.path(), &t);
    (stderr(&out), files)
}

#[test]
fn logic_on_member_values_is_refused_at_its_line_whatever_the_sample_values() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "{% if member.country == \"FR\" %}Bonjour{% else %}Hello{% endif %}",
            7,
            "`member.country` is compared with `==`",
        ),
        (
            "{% if member.name | length > 5 %}long{% endif %}",
            7,
            "`member.name` is filtered with `| length`",
        ),
        (
            "{% if \"dakar\" in member.email %}Dakar{% endif %}",
            7,
            "`member.email` is tested with `in`",
        ),
        (
            "{% set n = member.city %}\n{% if n == \"Dakar\" %}Dakar{% endif %}",
            8,
            "`n` is compared with `==`",
        ),
        (
            "{% set n = member.name | upper %}{{ n }}",
            7,
            "`member.name` is filtered with `| upper`",
        ),
        (
            "{% for c in member.name %}{{ c }}{% endfor %}",
            7,
            "`member.name` is looped over",
        ),
        (
            "{{ \"x\" | replace(from=\"x\", to=member.name) }}",
            7,
            "passed to the filter `replace`",
        ),
        (
            "{% macro hi(who) %}Hi {{ who }}{% endmacro hi %}{{ self::hi(who=member.name) }}",
            7,
            "passed to the macro `hi`",
        ),
        ("{{ member.name ~ \"!\" }}", 7, "joined with `~`"),
        (
            "{% for s in event.sessions %}{% set_global cc = member.country %}{% endfor %}\n{% if cc == \"FR\" %}FR{% endif %}",
            8,
            "`cc` is compared with `==`",
        ),
        (
            "{% if __tera_context is containing(\"Bordeaux\") %}X{% endif %}",
            7,
            "`__tera_context` is tested",
        ),
        (
            "{{ __tera_context }}",
            7,
            "`__tera_context` is used in an expression",
        ),
        (
            "{% filter upper %}\n{{ member.name }}\n{% endfilter %}",
            8,
            "filtered by `{% filter %}`",
        ),
        (
            "{% if member.name %}\n{# a\ncomment #}{% raw %}{{ member.name | upper }}{% endraw %}\n{% endif %}\n{{ links.register | upper }}",
            11,
            "`links.register` is filtered",
        ),
        (
            "{% if member.role == \"chiar\" %}Chair{% endif %}",
            7,
            "`chiar`, which is not a role",
        ),
        (
            "{% if member.name %}Dear\n\n{% for d in documents %}{% endfor %}",
            7,
            "`{% if %}` is never closed",
        ),
    ];
    let texts: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let (err, files) = check_cases(&texts);
    for ((case, line, about), file) in cases.iter().zip(&files) {
        let expected = format!("{}:{line}:", file.display());
        let found = err.lines().find(|l| l.starts_with(&expected));
        assert!(
            found.is_some_and(|l| l.contains(about)),
            "{case}: missing {expected} … {about} in:\n{err}"
        );
    }
}

#[test]
fn branching_on_role_committee_and_empty_fields_passes_the_check() {
    let (err, _) = check_cases(&[
        "{% if member.role == \"chair\" or member.role in [\"vice-chair\", \"secretariat\"] %}As chair{% endif %}",
        "{% if committee.slug == \"digital-cities\" and member.name and not member.city %}DC{% endif %}",
        "{% set who = member.name %}{% if who %}{{ who }}{% endif %} {{ member.role | upper }}",
    ]);
    assert!(
        !err.lines()
            .any(|l| l.contains("case") && !l.starts_with("note:")),
        "no fault expected:\n{err}"
    );
}

#[test]
fn logic_on_member_values_in_a_layout_is_refused_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let t = templates_with_layout(dir.path());
    circular(&t, "040-good", TOML, &[("en.md", BODY)]);
    let layout = t.join("layout/base.html");
    let text = std::fs::read_to_string(&layout).unwrap();
    std::fs::write(
        &layout,
        format!("{text}{{% if member.email is ending_with(\".org\") %}}.org{{% endif %}}\n"),
    )
    .unwrap();
    let line = text.lines().count() + 1;

    let out = check(dir.path(), &t);
    assert_eq!(out.status.code(), Some(65), "{}", stderr(&out));
    let expected = format!(
        "{}:{line}: `member.email` is tested with `is ending_with`",
        layout.display()
    );
    assert!(
        stderr(&out).contains(&expected),
        "missing {expected} in:\n{}",
        stderr(&out)
    );
}

/// Replaces `from` with `to` in `file` and returns the 1-based line where `to` now stands.
fn edit(file: &Path, from: &str, to: &str) -> usize {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{from} not in {}", file.display());
    let text = text.replacen(from, to, 1);
    std::fs::write(file, &text).unwrap();
    text.lines().position(|l| l.contains(to)).unwrap() + 1
}

/// Checks a circular in three languages whose reminder texts `break_texts` edits; returns
/// stderr, after asserting the check failed.
fn check_reminders(break_texts: impl FnOnce(&Path)) -> String {
    let dir = tempfile::tempdir().unwrap();
    let t = templates_with_layout(dir.path());
    let body_fr = BODY.replace("Dear", "Chère, cher");
    circular(
        &t,
        "040-reminded",
        &TOML.replace("[\"en\"]", "[\"en\", \"fr\", \"es\"]"),
        &[("en.md", BODY), ("fr.md", &body_fr), ("es.md", &body_fr)],
    );
    break_texts(&t.join("mail"));
    let out = check(dir.path(), &t);
    assert_eq!(out.status.code(), Some(65), "{}", stderr(&out));
    stderr(&out)
}

fn assert_fault(err: &str, file: &Path, line: usize, about: &str) {
    let expected = format!("{}:{line}:", file.display());
    let found = err.lines().find(|l| l.starts_with(&expected));
    assert!(
        found.is_some_and(|l| l.contains(about)),
        "missing {expected} … {about} in:\n{err}"
    );
}

#[test]
fn a_fault_in_a_reminder_text_is_named_by_its_file_and_line() {
    let mut expected = Vec::new();
    let err = check_reminders(|mail| {
        let fr = mail.join("reminder.fr.md");
        let line = edit(
            &fr,
            "au nom de la {{ committee.name }}",
            "au nom de la {{ committee.name }",
        );
        expected.push((fr, line, "template syntax"));
        let es = mail.join("reminder.es.md");
        let line = edit(
            &es,
            "Estimado/a {{ member.name }}:",
            "Estimado/a {{ member.name | upper }}:",
        );
        expected.push((es, line, "`member.name` is filtered with `| upper`"));
    });
    for (file, line, about) in expected {
        assert_fault(&err, &file, line, about);
    }
}

#[test]
fn an_unknown_variable_in_a_reminder_text_is_named_by_its_file_and_line() {
    let mut expected = None;
    let err = check_reminders(|mail| {
        let en = mail.join("reminder.en.md");
        let line = edit(&en, "invites you to", "invites you to {{ event.titel }}");
        expected = Some((en, line));
    });
    let (file, line) = expected.unwrap();
    assert_fault(&err, &file, line, "unknown variable `event.titel`");
}

#[test]
fn a_circular_with_reminders_needs_its_reminder_texts_and_a_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let t = templates_with_layout(dir.path());
    std::fs::remove_file(t.join("mail/reminder.en.md")).unwrap();
    circular(&t, "040-no-text", TOML, &[("en.md", BODY)]);
    circular(
        &t,
        "041-no-deadline",
        &TOML
            .replace("deadline = 2014-10-24\n", "")
            .replace("[\"en\"]", "[\"fr\"]"),
        &[("fr.md", BODY)],
    );

    let out = check(dir.path(), &t);
    assert_eq!(out.status.code(), Some(65), "{}", stderr(&out));
    let err = stderr(&out);
    let missing = format!("{}:0:", t.join("mail/reminder.en.md").display());
    assert!(
        err.lines()
            .any(|l| l.starts_with(&missing) && l.contains("circular 40")),
        "missing {missing} in:\n{err}"
    );
    let toml = t.join("circulars/041-no-deadline/circular.toml");
    let no_deadline = format!("{}:6:", toml.display());
    assert!(
        err.lines()
            .any(|l| l.starts_with(&no_deadline) && l.contains("set `deadline`")),
        "missing {no_deadline} in:\n{err}"
    );
}

#[test]
fn a_circular_without_reminders_needs_no_reminder_text() {
    let dir = tempfile::tempdir().unwrap();
    let t = templates_with_layout(dir.path());
    for lang in ["en", "fr", "es"] {
        std::fs::remove_file(t.join(format!("mail/reminder.{lang}.md"))).unwrap();
    }
    circular(
        &t,
        "040-no-reminders",
        &TOML.replace("reminders = [\"0 9 * * MON\"]\n", ""),
        &[("en.md", BODY)],
    );
    let out = check(dir.path(), &t);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_fault_in_an_answer_text_is_named_by_its_file_and_line_and_a_missing_one_too() {
    let mut expected = Vec::new();
    let err = check_reminders(|mail| {
        let confirmed = mail.join("confirmed.es.md");
        let line = edit(
            &confirmed,
            "{{ registration.seats }}",
            "{{ registration.sits }}",
        );
        expected.push((confirmed, line, "unknown variable `registration.sits`"));
        let answer = mail.join("answer.fr.md");
        let line = edit(&answer, "{{ answer }}", "{{ answer }");
        expected.push((answer, line, "template syntax"));
        std::fs::remove_file(mail.join("promoted.en.md")).unwrap();
        expected.push((mail.join("promoted.en.md"), 0, "cannot read the promoted"));
    });
    for (file, line, about) in expected {
        assert_fault(&err, &file, line, about);
    }
}
