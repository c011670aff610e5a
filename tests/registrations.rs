//! What the members' replies record, as the secretariat sees it: Circular 30 goes out with
//! the file transport and three seats, replies come in through `circulars ingest`, and
//! `registrations`, `questions`, `status`, `review` and the outbox say what was recorded and
//! who was told, in their language and in their thread. On SQLite and PostgreSQL.

mod common;

use common::sent::{Sent, reply_at};
use common::{Kind, Mail, TestDb};
use serde_json::{Value, json};

const JR: &str = "jr.etxebarria@bilbao.example.org";
const FRANCOISE: &str = "francoise.lefevre@bordeaux.example.net";
const AMINA: &str = "amina.diallo@dakar.example.net";
const JULIANA: &str = "j.mendez@bogota.example.org";
const SERGIO: &str = "sergio.conceicao@lisboa.example.com";
const LAN: &str = "lan.nguyen@hcmc.example.org";

const ON_TIME: &str = "Mon, 6 Oct 2014 10:00:00 +0200";
const LATE: &str = "Thu, 30 Oct 2014 10:00:00 +0100";

/// Circular 30 with three seats and late registrations refused.
fn three_seats(db: Option<&str>) -> Sent {
    Sent::with(db, |toml| {
        toml.replace("capacity = 60", "capacity = 3")
            .replace("late = \"waitlist\"", "late = \"refuse\"")
    })
}

/// The mails queued since `before` files were in the outbox, oldest first.
fn queued_since(sent: &Sent, before: usize) -> Vec<Mail> {
    let files = sent.outbox();
    let mut mails: Vec<(std::time::SystemTime, Mail)> = files
        .iter()
        .map(|file| {
            let mail = Mail::parse(&std::fs::read(file).unwrap());
            (file.metadata().unwrap().modified().unwrap(), mail)
        })
        .collect();
    assert!(mails.len() >= before);
    mails.sort_by_key(|(at, _)| *at);
    // The newest files are the new ones (the circular's copies came first).
    let new = mails.len() - before;
    mails
        .into_iter()
        .rev()
        .take(new)
        .rev()
        .map(|(_, q)| q)
        .collect()
}

/// Runs `circulars send 30 --now --wait` again: the queued answers go out to the outbox.
fn deliver(sent: &Sent) {
    sent.ok(&["send", "30", "--now", "--wait"]);
}

fn registration<'a>(list: &'a Value, member: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|r| r["member"] == member)
        .unwrap_or_else(|| panic!("no registration of {member}: {list}"))
}

fn answer_of(sent: &Sent, name: &str, from: &str, body: &str, received: &str) -> Value {
    let copy = sent.copy_of(from);
    sent.ingest(
        name,
        &reply_at(
            name,
            from,
            &copy.reply_to,
            &copy.message_id,
            "Re: Circular 30",
            body,
            received,
        ),
    )
}

async fn seats_waitlist_and_answers(db: Option<&str>) {
    let sent = three_seats(db);
    let before = sent.outbox().len();

    // Two seats for Bilbao, confirmed.
    let jr = answer_of(
        &sent,
        "jr-registers",
        JR,
        "Buenos días:\n\nAsistiré a la reunión con mi colega Ana García Uribe, Teniente de alcaldesa \
         (ana.garcia@bilbao.example.org).\n\nUn saludo,\nJosé Ramón",
        ON_TIME,
    );
    assert_eq!(jr["status"], "processed", "{jr}");
    assert_eq!(jr["kinds"], json!(["registration"]));
    let list = sent.json(&["registrations", "30"]);
    let mine = registration(&list, JR);
    assert_eq!(mine["status"], "confirmed", "{list}");
    assert_eq!(mine["late"], false);
    let names: Vec<&str> = mine["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["José Ramón Etxebarria", "Ana García Uribe"],
        "{list}"
    );

    // Two more do not fit: waitlisted. One more would fit, but waits behind them.
    answer_of(
        &sent,
        "francoise-registers",
        FRANCOISE,
        "Bonjour,\n\nJe participerai à la réunion avec mon adjoint, Paul Durand, chargé de mission \
         (paul.durand@bordeaux.example.net).\n\nCordialement,\nFrançoise Lefèvre",
        ON_TIME,
    );
    answer_of(
        &sent,
        "amina-registers",
        AMINA,
        "Bonjour,\n\nJe serai présente à la réunion de Bilbao.\n\nBien à vous,\nAmina",
        ON_TIME,
    );
    let list = sent.json(&["registrations", "30"]);
    assert_eq!(registration(&list, FRANCOISE)["status"], "waitlisted");
    assert_eq!(registration(&list, AMINA)["status"], "waitlisted");

    // After the deadline: refused, as `late = "refuse"` says.
    answer_of(
        &sent,
        "juliana-late",
        JULIANA,
        "Buenas tardes:\n\nConfirmo mi participación en la reunión.\n\nSaludos,\nJuliana",
        LATE,
    );
    let list = sent.json(&["registrations", "30"]);
    assert_eq!(registration(&list, JULIANA)["status"], "refused");
    assert_eq!(registration(&list, JULIANA)["late"], true);

    // Bilbao withdraws: its two seats go to the first on the waitlist, then the next.
    answer_of(
        &sent,
        "jr-withdraws",
        JR,
        "Buenos días:\n\nLamentablemente, debemos cancelar nuestra inscripción.\n\nUn saludo,\nJosé Ramón",
        ON_TIME,
    );
    let list = sent.json(&["registrations", "30"]);
    assert_eq!(registration(&list, JR)["status"], "cancelled", "{list}");
    assert_eq!(
        registration(&list, FRANCOISE)["status"],
        "confirmed",
        "{list}"
    );
    assert_eq!(registration(&list, AMINA)["status"], "confirmed", "{list}");

    // A decline, and a question.
    answer_of(
        &sent,
        "sergio-declines",
        SERGIO,
        "Dear colleagues,\n\nUnfortunately we will not be able to attend this meeting.\n\nBest regards,\nSérgio",
        ON_TIME,
    );
    answer_of(
        &sent,
        "lan-asks",
        LAN,
        "Dear Secretariat,\n\nCould you tell me whether there will be simultaneous interpretation into English?\n\nBest regards,\nLan",
        ON_TIME,
    );
    let status = sent.json(&["status", "30"]);
    assert_eq!(
        status["replies"],
        json!({"registered": 2, "seats": 3, "waitlisted": 0, "refused": 1, "cancelled": 1,
               "declined": 1, "open_questions": 1}),
        "{status}"
    );
    let questions = sent.json(&["questions", "--open"]);
    let question = &questions[0];
    assert_eq!(question["member"], LAN, "{questions}");
    assert_eq!(question["circular"], 30);
    assert_eq!(question["status"], "open");
    assert!(
        question["text"]
            .as_str()
            .unwrap()
            .contains("simultaneous interpretation"),
        "{question}"
    );

    // The secretariat answers it, in the member's thread.
    let answer = sent.path().join("answer.md");
    std::fs::write(
        &answer,
        "Yes: there will be **interpretation** into English, French and Spanish.",
    )
    .unwrap();
    sent.ok(&[
        "answer",
        &question["id"].to_string(),
        "--file",
        answer.to_str().unwrap(),
    ]);
    assert_eq!(sent.json(&["questions", "--open"]), json!([]));
    assert_eq!(sent.json(&["questions"])[0]["status"], "answered");

    // Everyone told, in their language, threaded to their own reply.
    deliver(&sent);
    let mails = queued_since(&sent, before);
    let told: Vec<(&str, &str)> = mails
        .iter()
        .map(|m| (m.to.as_str(), m.in_reply_to[0].as_str()))
        .collect();
    assert_eq!(
        told.len(),
        8,
        "confirmed, 2 waitlisted, refused, withdrawn, 2 promoted, answer: {told:?}"
    );
    for (to, parent) in [
        (JR, "jr-registers@example.net"),
        (FRANCOISE, "francoise-registers@example.net"),
        (AMINA, "amina-registers@example.net"),
        (JULIANA, "juliana-late@example.net"),
        (JR, "jr-withdraws@example.net"),
        (LAN, "lan-asks@example.net"),
    ] {
        assert!(
            told.contains(&(to, parent)),
            "{to} not told under {parent}: {told:?}"
        );
    }
    let to_jr: Vec<&Mail> = mails.iter().filter(|m| m.to == JR).collect();
    assert!(to_jr.iter().all(|m| m.language == "es"), "JR reads Spanish");
    let confirmed = to_jr
        .iter()
        .find(|m| m.in_reply_to == ["jr-registers@example.net"])
        .unwrap();
    assert!(
        confirmed.text.contains("Ana García Uribe"),
        "{}",
        confirmed.text
    );
    let jr_copy = sent.copy_of(JR);
    assert_eq!(
        confirmed.references,
        [
            jr_copy.message_id.clone(),
            "jr-registers@example.net".to_string()
        ],
        "References: the thread above the reply, then the reply"
    );
    let promoted: Vec<&Mail> = mails.iter().filter(|m| m.to == AMINA).collect();
    assert_eq!(promoted.len(), 2, "waitlisted, then promoted");
    assert!(promoted.iter().all(|m| m.language == "fr"));
    let answered = mails.iter().find(|m| m.to == LAN).unwrap();
    assert_eq!(answered.language, "en");
    // RFC 3834: the automatic answers say so; the secretariat's own does not.
    assert_eq!(answered.auto_submitted, "no");
    assert!(
        mails
            .iter()
            .filter(|m| m.to != LAN)
            .all(|m| m.auto_submitted == "auto-replied")
    );
    assert!(
        answered.text.contains("simultaneous interpretation"),
        "{}",
        answered.text
    );
    assert!(
        answered
            .text
            .contains("there will be interpretation into English"),
        "the secretariat's Markdown, as text: {}",
        answered.text
    );
    // The decline is recorded, not answered.
    assert!(mails.iter().all(|m| m.to != SERGIO));
    assert!(mails.iter().all(|m| !m.subject.is_empty()));
}

#[tokio::test]
async fn seats_go_first_come_first_served_then_to_the_waitlist_and_everyone_is_told_on_sqlite() {
    seats_waitlist_and_answers(None).await;
}

#[tokio::test]
async fn seats_go_first_come_first_served_then_to_the_waitlist_and_everyone_is_told_on_postgres() {
    let db = TestDb::new(Kind::Postgres).await;
    seats_waitlist_and_answers(Some(&db.url)).await;
}

#[test]
fn a_second_registration_adds_people_robots_get_no_answer_and_a_member_gets_few_a_day() {
    let sent = Sent::new();
    let before = sent.outbox().len();
    answer_of(
        &sent,
        "first",
        FRANCOISE,
        "Bonjour,\n\nJe participerai à la réunion.\n\nCordialement,\nFrançoise",
        ON_TIME,
    );
    answer_of(
        &sent,
        "second",
        FRANCOISE,
        "Bonjour,\n\nMon collègue Paul Durand (paul.durand@bordeaux.example.net) participera aussi à la réunion.\n\nCordialement,\nFrançoise",
        ON_TIME,
    );
    let list = sent.json(&["registrations", "30"]);
    let mine = registration(&list, FRANCOISE);
    let emails: Vec<&str> = mine["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        [FRANCOISE, "paul.durand@bordeaux.example.net"],
        "{list}"
    );
    // Late registrations are waitlisted in the sample circular; these were on time.
    assert_eq!(mine["status"], "confirmed");

    // Paul cannot come after all: only he is withdrawn. A withdrawal of someone who was
    // never registered changes nothing and waits for a person.
    answer_of(
        &sent,
        "paul-withdrawn",
        FRANCOISE,
        "Bonjour,\n\nM. Paul Durand ne pourra finalement pas venir : merci de retirer son nom de la liste \
         des participants. Le reste de notre inscription est inchangé.\n\nCordialement,\nFrançoise",
        ON_TIME,
    );
    let list = sent.json(&["registrations", "30"]);
    let mine = registration(&list, FRANCOISE);
    assert_eq!(mine["status"], "confirmed", "{list}");
    assert_eq!(mine["attendees"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(mine["attendees"][0]["email"], FRANCOISE, "{list}");
    let stranger = answer_of(
        &sent,
        "stranger-withdrawn",
        FRANCOISE,
        "Bonjour,\n\nMme Louise Petit ne pourra finalement pas venir : merci de retirer son nom de la liste.\n\nFrançoise",
        ON_TIME,
    );
    assert_eq!(stranger["status"], "review", "{stranger}");
    assert_eq!(
        registration(&sent.json(&["registrations", "30"]), FRANCOISE)["status"],
        "confirmed"
    );

    // An out-of-office from the member records nothing and gets no answer.
    let copy = sent.copy_of(FRANCOISE);
    let ooo = sent.ingest(
        "ooo",
        &format!(
            "From: {FRANCOISE}\nTo: {}\nSubject: Réponse automatique : Circular 30\n\
             Auto-Submitted: auto-replied\nMessage-ID: <ooo@example.net>\nDate: {ON_TIME}\n\
             Content-Type: text/plain; charset=utf-8\n\nJe suis absente jusqu'au 20 octobre. Je participerai à la réunion.\n",
            copy.reply_to
        ),
    );
    assert_eq!(ooo["kinds"], json!(["auto_reply"]));

    // Many replies in a day: at most three automatic answers (the withdrawal of Paul was
    // the third).
    for n in 0..4 {
        answer_of(
            &sent,
            &format!("again-{n}"),
            FRANCOISE,
            &format!("Bonjour,\n\nJe confirme ma participation à la réunion ({n}).\n\nFrançoise"),
            ON_TIME,
        );
    }
    deliver(&sent);
    let mails = queued_since(&sent, before);
    assert_eq!(
        mails.len(),
        3,
        "{:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
}

/// The actions of `records_log`, oldest first, each made by someone.
fn logged(db: &str) -> Vec<String> {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(db).await.unwrap();
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT action, actor FROM records_log ORDER BY id")
                .fetch_all(&pool)
                .await
                .unwrap();
        pool.close().await;
        assert!(
            rows.iter().all(|(_, actor)| actor.starts_with("cli:")),
            "{rows:?}"
        );
        rows.into_iter().map(|(action, _)| action).collect()
    })
}

#[test]
fn the_secretariat_resolves_what_the_reader_was_unsure_of_and_corrects_any_record() {
    let sent = Sent::new();
    let copy = sent.copy_of(AMINA);
    let unsure = sent.ingest(
        "unsure",
        &reply_at(
            "unsure",
            AMINA,
            &copy.reply_to,
            &copy.message_id,
            "Re: Circulaire 30",
            "Bonjour,\n\nPeut-être. Je vous redis.\n\nAmina",
            ON_TIME,
        ),
    );
    assert_eq!(unsure["status"], "review", "{unsure}");
    let review = sent.json(&["review"]);
    let item = &review[0];
    assert_eq!(item["id"], unsure["id"], "{review}");
    assert!(
        item["text"].as_str().unwrap().contains("Peut-être"),
        "{item}"
    );
    let shown = sent.ok(&["review"]);
    assert!(
        shown.contains("Peut-être") && shown.contains("review resolve"),
        "{shown}"
    );

    // The secretariat knows better: Amina and her adviser come.
    let id = unsure["id"].to_string();
    sent.ok(&[
        "review",
        "resolve",
        &id,
        "--kind",
        "registration",
        "--attendee",
        "Amina Diallo|Cheffe du service e-gouvernement|amina.diallo@dakar.example.net",
        "--attendee",
        "Moussa Ndiaye|Conseiller|",
    ]);
    assert_eq!(sent.json(&["review"]), json!([]));
    let list = sent.json(&["registrations", "30"]);
    let mine = registration(&list, AMINA);
    assert_eq!(mine["status"], "confirmed");
    assert_eq!(mine["attendees"][1]["name"], "Moussa Ndiaye");
    assert_eq!(mine["attendees"][1]["position"], "Conseiller");

    // Corrections: the attendees changed, the reply's kind changed, a cancellation.
    sent.ok(&[
        "registrations",
        "30",
        "--member",
        AMINA,
        "--attendee",
        "Moussa Ndiaye|Conseiller|moussa.ndiaye@dakar.example.net",
    ]);
    let list = sent.json(&["registrations", "30"]);
    assert_eq!(
        registration(&list, AMINA)["attendees"],
        json!([{"name": "Moussa Ndiaye", "position": "Conseiller", "email": "moussa.ndiaye@dakar.example.net"}])
    );
    sent.ok(&[
        "review",
        "resolve",
        &id,
        "--kind",
        "question",
        "--question",
        "Who can come?",
    ]);
    let list = sent.json(&["registrations", "30"]);
    assert_eq!(registration(&list, AMINA)["status"], "cancelled", "{list}");
    assert_eq!(sent.json(&["questions"])[0]["text"], "Who can come?");

    sent.ok(&["review", "resolve", &id, "--kind", "registration"]);
    sent.ok(&["registrations", "30", "--cancel", AMINA, "--quiet"]);
    let list = sent.json(&["registrations", "30"]);
    assert_eq!(registration(&list, AMINA)["status"], "cancelled");
    assert_eq!(
        sent.json(&["questions"]),
        json!([]),
        "the question was undone"
    );

    // Each correction is in the log, with who made it.
    let log = logged(&sent.db);
    assert_eq!(
        log,
        [
            "reply.resolve",
            "registration.set",
            "reply.resolve",
            "reply.resolve",
            "registration.cancel"
        ],
        "{log:?}"
    );

    // Bad input names what is wrong and changes nothing.
    let out = sent.run(&[
        "registrations",
        "30",
        "--member",
        AMINA,
        "--attendee",
        "|x|",
    ]);
    assert_eq!(out.status.code(), Some(64), "{}", common::stderr(&out));
    let out = sent.run(&["registrations", "30", "--cancel", AMINA]);
    assert_eq!(out.status.code(), Some(65), "{}", common::stderr(&out));
    assert!(common::stderr(&out).contains("no registration to cancel"));
    let out = sent.run(&["answer", "999", "--file", "/nonexistent.md"]);
    assert_eq!(out.status.code(), Some(65));
    let csv = sent.ok(&["registrations", "30", "--format", "csv"]);
    assert!(
        csv.starts_with("member,status,late,received_at,name,position,email\n"),
        "{csv}"
    );
}

#[tokio::test]
async fn processes_registering_at_once_on_postgres_never_give_the_same_seat_twice() {
    let db = TestDb::new(Kind::Postgres).await;
    let sent = Sent::with(Some(&db.url), |toml| {
        toml.replace("capacity = 60", "capacity = 2")
    });
    let members = [JR, FRANCOISE, AMINA, JULIANA, SERGIO, LAN];
    // Six secretaries register six members at the same moment.
    std::thread::scope(|scope| {
        for member in members {
            let sent = &sent;
            scope.spawn(move || {
                let attendee = format!("Someone|Adviser|{}", member.replace('@', ".adviser@"));
                sent.ok(&[
                    "registrations",
                    "30",
                    "--member",
                    member,
                    "--attendee",
                    &attendee,
                ]);
            });
        }
    });
    let list = sent.json(&["registrations", "30"]);
    let statuses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), 6, "{list}");
    assert_eq!(
        statuses.iter().filter(|s| **s == "confirmed").count(),
        2,
        "two seats, two confirmed: {list}"
    );
    assert_eq!(statuses.iter().filter(|s| **s == "waitlisted").count(), 4);
}

#[test]
fn an_address_stopped_by_hand_is_recorded_but_not_answered_one_that_unsubscribed_is() {
    let sent = Sent::new();
    sent.ok(&["suppressions", "add", JR, "--note", "asked by phone"]);
    let before = sent.outbox().len();
    answer_of(
        &sent,
        "jr-stopped",
        JR,
        "Buenos días:\n\nAsistiré a la reunión.\n\nJosé Ramón",
        ON_TIME,
    );
    // Amina unsubscribed by mail, then registers: she hears back.
    let copy = sent.copy_of(AMINA);
    sent.ingest(
        "amina-unsubscribes",
        &reply_at(
            "amina-unsubscribes",
            AMINA,
            &copy.unsubscribe,
            "",
            "unsubscribe",
            "unsubscribe",
            ON_TIME,
        ),
    );
    answer_of(
        &sent,
        "amina-comes",
        AMINA,
        "Bonjour,\n\nJe participerai à la réunion.\n\nAmina",
        ON_TIME,
    );
    assert_eq!(
        sent.suppressed(),
        [
            (AMINA.to_string(), "unsubscribe".to_string()),
            (JR.to_string(), "manual".to_string())
        ]
    );
    let list = sent.json(&["registrations", "30"]);
    assert_eq!(registration(&list, JR)["status"], "confirmed");
    assert_eq!(registration(&list, AMINA)["status"], "confirmed");
    deliver(&sent);
    let mails = queued_since(&sent, before);
    assert!(
        mails.iter().all(|m| m.to != JR),
        "nothing to a stopped address"
    );

    // A question from the stopped address cannot be answered by mail: refused, still open.
    answer_of(
        &sent,
        "jr-asks",
        JR,
        "Buenos días:\n\n¿Habrá interpretación al español?\n\nJosé Ramón",
        ON_TIME,
    );
    let question = sent.json(&["questions", "--open"])[0]["id"].to_string();
    let file = sent.path().join("answer.md");
    std::fs::write(&file, "Sí.").unwrap();
    let out = sent.run(&["answer", &question, "--file", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(65), "{}", common::stderr(&out));
    assert!(
        common::stderr(&out).contains("suppressed (manual)"),
        "{}",
        common::stderr(&out)
    );
    assert_eq!(
        sent.json(&["questions", "--open"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert!(
        mails
            .iter()
            .any(|m| m.to == AMINA && m.in_reply_to == ["amina-comes@example.net"]),
        "{:?}",
        mails
            .iter()
            .map(|m| (&m.to, &m.subject))
            .collect::<Vec<_>>()
    );
}

#[test]
fn a_form_attached_to_a_reply_taken_in_records_the_people_it_names() {
    use data_encoding::BASE64_MIME;
    let sent = Sent::new();
    let copy = sent.copy_of(FRANCOISE);
    let form = std::fs::read(
        common::project_dir().join("tests/fixtures/forms/formulaire-inscription-bordeaux.docx"),
    )
    .unwrap();
    let raw = format!(
        "Received: from mx.example.net by mail.uclg.example.org; {ON_TIME}\n\
         From: {FRANCOISE}\nTo: {}\nSubject: Re: Circulaire 30\nDate: {ON_TIME}\n\
         Message-ID: <with-form@example.net>\nIn-Reply-To: <{}>\nMIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=\"b\"\n\n\
         --b\nContent-Type: text/plain; charset=utf-8\n\nVeuillez trouver ci-joint notre formulaire.\n\n\
         --b\nContent-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document; \
         name=\"formulaire-inscription-bordeaux.docx\"\n\
         Content-Disposition: attachment; filename=\"formulaire-inscription-bordeaux.docx\"\n\
         Content-Transfer-Encoding: base64\n\n{}\n--b--\n",
        copy.reply_to,
        copy.message_id,
        BASE64_MIME.encode(&form)
    );
    let listed = sent.ingest("with-form", &raw);
    assert_eq!(listed["status"], "processed", "{listed}");
    let list = sent.json(&["registrations", "30"]);
    let emails: Vec<&str> = registration(&list, FRANCOISE)["attendees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["email"].as_str().unwrap())
        .collect();
    assert_eq!(
        emails,
        [
            "claire.martin@bordeaux.example.net",
            "paul.durand@bordeaux.example.net"
        ],
        "{list}"
    );
    let shown = sent.ok(&["inbound", "show", &listed["id"].to_string()]);
    assert!(shown.contains("its text read:"), "{shown}");
}
