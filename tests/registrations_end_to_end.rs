//! Registrations on real servers: the daemon sends Circular 30 through aiosmtpd, then the
//! members' replies arrive in a real Dovecot inbox with the INTERNALDATE they reached the
//! secretariat at: a registration of two in French, a question in Spanish, a registration
//! then its withdrawal, a decline, a registration after the deadline and an out-of-office.
//! The records are what the secretariat expects (`registrations`, `questions`, `status`),
//! and the automatic answers reach aiosmtpd in each member's language, threaded to the
//! reply they answer; the decline, the question and the robot get none. The question is
//! then answered by hand, in the member's thread.

mod common;

use std::time::Duration;

use common::Copy;
use common::daemon::{Road, wait_until};
use common::smtp::{Kept, SmtpServer};
use common::{Mail, circulars_with, stderr, stdout};
use serde_json::{Value, json};

const MEMBERS: usize = 41;
const LIMIT: Duration = Duration::from_secs(30);
const FRANCOISE: &str = "francoise.lefevre@bordeaux.example.net";
const JULIANA: &str = "j.mendez@bogota.example.org";
const JR: &str = "jr.etxebarria@bilbao.example.org";
const SERGIO: &str = "sergio.conceicao@lisboa.example.com";
const AMINA: &str = "amina.diallo@dakar.example.net";
const PAUL: &str = "paul.durand@bordeaux.example.net";

/// Before the deadline (24 October 2014, end of day in Madrid), and after it.
const ON_TIME: &str = "06-Oct-2014 10:00:00 +0200";
const ON_TIME_DATE: &str = "Mon, 6 Oct 2014 09:58:12 +0200";
const LATER: &str = "08-Oct-2014 16:30:00 +0200";
const LATER_DATE: &str = "Wed, 8 Oct 2014 16:28:40 +0200";
const LATE: &str = "30-Oct-2014 10:00:00 +0100";
const LATE_DATE: &str = "Thu, 30 Oct 2014 09:57:03 +0100";

fn copy_of(smtp: &SmtpServer, email: &str) -> Copy {
    Kept::copy_for(&smtp.kept(), email)
}

/// A plain-text reply from `from` (`Name <address>`) to the member's copy, with CRLF ends.
fn reply(from: &str, copy: &Copy, id: &str, subject: &str, date: &str, body: &str) -> Vec<u8> {
    format!(
        "From: {from}\nTo: {}\nSubject: {subject}\nDate: {date}\nMessage-ID: <{id}>\n\
         In-Reply-To: <{}>\nReferences: <{}>\nMIME-Version: 1.0\n\
         Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{body}\n",
        copy.reply_to, copy.message_id, copy.message_id
    )
    .replace('\n', "\r\n")
    .into_bytes()
}

fn json_of(dir: &std::path::Path, db: &str, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.extend(["--format", "json"]);
    let out = circulars_with(dir, db, &args, &[]);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap_or(Value::Null)
}

fn registration<'a>(list: &'a Value, member: &str) -> Option<&'a Value> {
    list.as_array()?.iter().find(|r| r["member"] == member)
}

/// The answer threaded to the reply `id`, checked to be for `to`, in `language`.
fn answer_to<'a>(answers: &'a [Mail], id: &str, to: &str, language: &str) -> &'a Mail {
    let found: Vec<&Mail> = answers
        .iter()
        .filter(|a| a.in_reply_to == [id.to_string()])
        .collect();
    assert_eq!(found.len(), 1, "one answer to {id}: {answers:#?}");
    let found = found[0];
    assert_eq!(found.to, to, "{found:#?}");
    assert_eq!(found.language, language, "{found:#?}");
    assert_eq!(
        found.references.last().map(String::as_str),
        Some(id),
        "References ends with the reply: {found:#?}"
    );
    found
}

#[test]
fn replies_through_imap_become_registrations_a_question_and_a_decline_and_the_answers_reach_smtp_in_each_thread()
 {
    let Road {
        smtp,
        dovecot,
        dir,
        db,
        mut daemon,
    } = Road::start(&[]);
    let copies = smtp.wait_for(MEMBERS);
    assert_eq!(copies.len(), MEMBERS, "{}", daemon.log());
    let copy = |email| copy_of(&smtp, email);
    let path = dir.path();
    let registrations = || json_of(path, &db, &["registrations", "30"]);
    let inbound = || json_of(path, &db, &["inbound", "list"]);
    let stored = |n: usize| inbound().as_array().map_or(0, Vec::len) >= n;

    // José Ramón registers first (he will withdraw later).
    let jr = copy(JR);
    dovecot.append(
        &reply(
            &format!("José Ramón Etxebarria <{JR}>"),
            &jr,
            "e2e-jr-registers@bilbao.example.org",
            "Re: Circular 30",
            ON_TIME_DATE,
            "Buenos días:\n\nAsistiré a la reunión.\n\nUn saludo,\nJosé Ramón",
        ),
        ON_TIME,
    );
    assert!(
        wait_until(LIMIT, || registration(&registrations(), JR)
            .is_some_and(|r| r["status"] == "confirmed")),
        "JR's registration: {}\n{}",
        inbound(),
        daemon.log()
    );

    // Françoise and her deputy; Juliana's question; Sérgio's decline; an out-of-office;
    // José Ramón's withdrawal; Amina, after the deadline.
    let francoise = copy(FRANCOISE);
    dovecot.append(
        &reply(
            &format!("=?utf-8?q?Fran=C3=A7oise_Lef=C3=A8vre?= <{FRANCOISE}>"),
            &francoise,
            "e2e-francoise-registers@bordeaux.example.net",
            "Re: Circulaire 30",
            ON_TIME_DATE,
            &format!(
                "Bonjour,\n\nJe participerai à la réunion avec mon adjoint, Paul Durand, chargé de mission \
                 ({PAUL}).\n\nCordialement,\nFrançoise Lefèvre\n\n> Madame, Monsieur,\n> La Commission vous invite..."
            ),
        ),
        ON_TIME,
    );
    let juliana = copy(JULIANA);
    dovecot.append(
        &reply(
            &format!("=?utf-8?q?Juliana_M=C3=A9ndez?= <{JULIANA}>"),
            &juliana,
            "e2e-juliana-asks@bogota.example.org",
            "Re: Circular 30",
            ON_TIME_DATE,
            "Buenas tardes:\n\n¿Podrían indicarme si habrá interpretación simultánea al español durante la reunión?\n\nSaludos cordiales,\nJuliana Méndez",
        ),
        ON_TIME,
    );
    let sergio = copy(SERGIO);
    dovecot.append(
        &reply(
            &format!("=?utf-8?q?S=C3=A9rgio_Concei=C3=A7=C3=A3o?= <{SERGIO}>"),
            &sergio,
            "e2e-sergio-declines@lisboa.example.com",
            "Re: Circular 30",
            ON_TIME_DATE,
            "Dear colleagues,\n\nUnfortunately we will not be able to attend this meeting.\n\nBest regards,\nSérgio",
        ),
        ON_TIME,
    );
    let robot = String::from_utf8(reply(
        &format!("=?utf-8?q?S=C3=A9rgio_Concei=C3=A7=C3=A3o?= <{SERGIO}>"),
        &sergio,
        "e2e-sergio-away@lisboa.example.com",
        "Automatic reply: Circular 30",
        LATER_DATE,
        "I am out of the office until 20 October. I will attend the meeting.",
    ))
    .unwrap()
    .replacen("\r\n", "\r\nAuto-Submitted: auto-replied\r\n", 1);
    dovecot.append(robot.as_bytes(), LATER);
    dovecot.append(
        &reply(
            &format!("José Ramón Etxebarria <{JR}>"),
            &jr,
            "e2e-jr-withdraws@bilbao.example.org",
            "Re: Circular 30",
            LATER_DATE,
            "Buenos días:\n\nLamentablemente, debemos cancelar nuestra inscripción.\n\nUn saludo,\nJosé Ramón",
        ),
        LATER,
    );
    let amina = copy(AMINA);
    dovecot.append(
        &reply(
            &format!("Amina Diallo <{AMINA}>"),
            &amina,
            "e2e-amina-late@dakar.example.net",
            "Re: Circulaire 30",
            LATE_DATE,
            "Bonjour,\n\nJe serai présente à la réunion de Bilbao.\n\nBien à vous,\nAmina",
        ),
        LATE,
    );
    assert!(wait_until(LIMIT, || stored(7)), "{}", daemon.log());

    // The answers: confirmed ×2, withdrawn, waitlisted.
    let kept = smtp.wait_for(MEMBERS + 4);
    let answers: Vec<Mail> = kept[MEMBERS..]
        .iter()
        .map(|k| Mail::parse(&k.raw))
        .collect();
    assert_eq!(answers.len(), 4, "{answers:#?}\n{}", daemon.log());

    let confirmed = answer_to(
        &answers,
        "e2e-francoise-registers@bordeaux.example.net",
        FRANCOISE,
        "fr",
    );
    assert!(
        confirmed
            .subject
            .starts_with("Circulaire 30 – SMART LOCAL GOVERNANCE")
            && confirmed.subject.ends_with(": inscription confirmée"),
        "{confirmed:#?}"
    );
    assert!(confirmed.text.contains("Paul Durand"), "{confirmed:#?}");
    assert_eq!(
        confirmed.references,
        [
            francoise.message_id.clone(),
            "e2e-francoise-registers@bordeaux.example.net".to_string()
        ]
    );
    let jr_confirmed = answer_to(&answers, "e2e-jr-registers@bilbao.example.org", JR, "es");
    assert!(
        jr_confirmed.subject.ends_with(": inscripción confirmada"),
        "{jr_confirmed:#?}"
    );
    let withdrawn = answer_to(&answers, "e2e-jr-withdraws@bilbao.example.org", JR, "es");
    assert!(
        withdrawn.subject.ends_with(": inscripción anulada"),
        "{withdrawn:#?}"
    );
    let waitlisted = answer_to(&answers, "e2e-amina-late@dakar.example.net", AMINA, "fr");
    assert!(
        waitlisted
            .subject
            .ends_with(": inscription sur liste d'attente"),
        "{waitlisted:#?}"
    );

    // The records.
    let list = registrations();
    let mine = registration(&list, FRANCOISE).unwrap_or_else(|| panic!("{list}"));
    assert_eq!(mine["status"], "confirmed", "{list}");
    assert_eq!(mine["late"], false, "{list}");
    let attendees: Vec<(&str, &str)> = mine["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), a["email"].as_str().unwrap()))
        .collect();
    assert_eq!(
        attendees,
        [("Françoise Lefèvre", FRANCOISE), ("Paul Durand", PAUL)],
        "{list}"
    );
    assert_eq!(
        mine["attendees"][1]["position"], "chargé de mission",
        "{list}"
    );
    assert!(
        mine["received_at"]
            .as_str()
            .is_some_and(|at| at.starts_with("2014-10-06")),
        "the INTERNALDATE: {list}"
    );
    assert_eq!(registration(&list, JR).unwrap()["status"], "cancelled");
    let late = registration(&list, AMINA).unwrap_or_else(|| panic!("{list}"));
    assert_eq!(late["status"], "waitlisted", "{list}");
    assert_eq!(late["late"], true, "{list}");
    assert!(
        late["received_at"]
            .as_str()
            .is_some_and(|at| at.starts_with("2014-10-30")),
        "the INTERNALDATE: {list}"
    );
    for nobody in [JULIANA, SERGIO] {
        assert!(registration(&list, nobody).is_none(), "{nobody}: {list}");
    }
    assert_eq!(list.as_array().unwrap().len(), 3, "{list}");

    let questions = json_of(path, &db, &["questions"]);
    assert_eq!(questions.as_array().map(Vec::len), Some(1), "{questions}");
    let question = &questions[0];
    assert_eq!(question["member"], JULIANA, "{question}");
    assert_eq!(question["circular"], 30, "{question}");
    assert_eq!(question["status"], "open", "{question}");
    assert!(
        question["text"]
            .as_str()
            .unwrap()
            .contains("interpretación simultánea"),
        "{question}"
    );

    let status = json_of(path, &db, &["status", "30"]);
    assert_eq!(
        status["replies"],
        json!({"registered": 1, "seats": 2, "waitlisted": 1, "refused": 0, "cancelled": 1,
               "declined": 1, "open_questions": 1}),
        "{status}"
    );
    let robot = inbound()
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["message_id"] == "e2e-sergio-away@lisboa.example.com")
        .cloned();
    assert_eq!(
        robot.map(|m| m["kinds"].clone()),
        Some(json!(["auto_reply"]))
    );

    // The secretariat answers the question by hand: it goes out in Spanish, in her thread.
    let file = path.join("answer.md");
    std::fs::write(
        &file,
        "Sí: habrá **interpretación simultánea** al español, al francés y al inglés.",
    )
    .unwrap();
    let out = circulars_with(
        path,
        &db,
        &[
            "answer",
            &question["id"].to_string(),
            "--file",
            file.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let kept = smtp.wait_for(MEMBERS + 5);
    assert_eq!(kept.len(), MEMBERS + 5, "{}", daemon.log());
    let answers: Vec<Mail> = kept[MEMBERS..]
        .iter()
        .map(|k| Mail::parse(&k.raw))
        .collect();
    let answered = answer_to(
        &answers,
        "e2e-juliana-asks@bogota.example.org",
        JULIANA,
        "es",
    );
    assert!(
        answered.subject.contains("respuesta a su pregunta"),
        "{answered:#?}"
    );
    assert!(
        answered
            .text
            .contains("habrá interpretación simultánea al español"),
        "the secretariat's Markdown, as text: {answered:#?}"
    );
    assert_eq!(json_of(path, &db, &["questions"])[0]["status"], "answered");

    // Nothing for the decline or the out-of-office: the five extra messages are the answers.
    std::thread::sleep(Duration::from_secs(2));
    let kept = smtp.kept();
    assert_eq!(kept.len(), MEMBERS + 5);
    assert!(kept.iter().all(
        |k| k.rcpt_tos != [SERGIO.to_string()] || k.parsed().in_reply_to().as_text().is_none()
    ));
    daemon.sigterm();
    let (status, _) = daemon.wait(LIMIT);
    assert!(status.success(), "{}", daemon.log());
}
