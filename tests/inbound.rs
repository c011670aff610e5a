//! Mail coming back, as the secretariat sees it: Circular 30 is sent to the sample lists with
//! the file transport, then replies, bounces, auto-replies and unsubscribe requests built from
//! the members' own copies are taken in by `circulars ingest`; `inbound list`, `inbound
//! show`, `suppressions` and `status` say what was understood, and nothing else.

mod common;

use common::sent::{Sent, reply};
use common::{circulars, stderr, stdout};
use mail_parser::MessageParser;
use serde_json::Value;

const JR: &str = "jr.etxebarria@bilbao.example.org";
const FRANCOISE: &str = "francoise.lefevre@bordeaux.example.net";
const AMINA: &str = "amina.diallo@dakar.example.net";
const JULIANA: &str = "j.mendez@bogota.example.org";

#[test]
fn replies_are_matched_by_token_then_thread_then_sender_and_forged_or_quoted_tokens_match_nothing()
{
    let sent = Sent::new();
    let jr = sent.copy_of(JR);

    let own = sent.ingest(
        "own",
        &reply(
            "own",
            JR,
            &jr.reply_to,
            &jr.message_id,
            "Re: Circular 30",
            "I will attend.",
        ),
    );
    assert_eq!(own["member"], JR);
    assert_eq!(own["circular"], 30);
    assert_eq!(own["from"], JR);

    // A colleague answers for the member from their own address: it counts for the member,
    // and the real sender is kept.
    let colleague = "assistant@bilbao.example.org";
    let for_jr = sent.ingest(
        "colleague",
        &reply(
            "colleague",
            colleague,
            &jr.reply_to,
            "",
            "Circular 30",
            "Our mayor will come.",
        ),
    );
    assert_eq!(for_jr["member"], JR);
    assert_eq!(for_jr["from"], colleague);

    // An altered token names nobody, and nothing else points at a member.
    let forged_address = jr.reply_to.replacen(".", ".9", 1);
    let forged = sent.ingest(
        "forged",
        &reply(
            "forged",
            "stranger@example.com",
            &forged_address,
            "",
            "Hello",
            "Register me.",
        ),
    );
    assert_eq!(forged["member"], Value::Null, "{forged}");

    // A token quoted in the body is not the sender's identity.
    let quoted = sent.ingest(
        "quoted",
        &reply(
            "quoted",
            "stranger@example.com",
            "secretariat@uclg.example.org",
            "",
            "Fwd: Circular 30",
            &format!(
                "See below.\n\n> Reply to: {}\n> Message-ID: <{}>",
                jr.reply_to, jr.message_id
            ),
        ),
    );
    assert_eq!(quoted["member"], Value::Null, "{quoted}");

    // No token, but the thread: In-Reply-To names the member's copy.
    let amina = sent.copy_of(AMINA);
    let threaded = sent.ingest(
        "threaded",
        &reply(
            "threaded",
            "amina@gmail.example.com",
            "circulars@uclg.example.org",
            &amina.message_id,
            "Re: Circulaire 30",
            "Je viendrai.",
        ),
    );
    assert_eq!(threaded["member"], AMINA);

    // Nothing but the sender's address.
    let by_sender = sent.ingest(
        "by-sender",
        &reply(
            "by-sender",
            FRANCOISE,
            "circulars@uclg.example.org",
            "",
            "Circulaire 30",
            "Je viendrai.",
        ),
    );
    assert_eq!(by_sender["member"], FRANCOISE);

    let shown = sent.ok(&["inbound", "show", &own["id"].to_string()]);
    assert!(shown.contains("reply_token"), "{shown}");
    assert!(shown.contains("I will attend."), "{shown}");
    // A person's reply is read for what it says, and recorded when the reading is sure.
    assert_eq!(own["kinds"], serde_json::json!(["registration"]), "{own}");
    assert_eq!(own["status"], "processed");
    assert!(shown.contains("\"itself\":true"), "{shown}");
    assert_eq!(threaded["kinds"], serde_json::json!(["registration"]));
    let named = sent.ingest(
        "named",
        &reply(
            "named",
            FRANCOISE,
            "circulars@uclg.example.org",
            "",
            "Re: Circulaire 30",
            "Bonjour,\n\nNotre adjointe au maire, Claire Martin (claire.martin@bordeaux.example.net), \
             participera à la réunion. Y a-t-il une interprétation simultanée ?\n\nCordialement,\nFrançoise",
        ),
    );
    assert_eq!(
        named["kinds"],
        serde_json::json!(["registration", "question"]),
        "{named}"
    );
    let shown = sent.ok(&["inbound", "show", &named["id"].to_string()]);
    assert!(
        shown.contains("\"name\":\"Claire Martin\"")
            && shown.contains("claire.martin@bordeaux.example.net"),
        "{shown}"
    );
    let raw = sent.run(&["inbound", "show", &own["id"].to_string(), "--raw"]);
    assert!(String::from_utf8_lossy(&raw.stdout).contains("Message-ID: <own@example.net>"));
    assert!(sent.suppressed().is_empty(), "{:?}", sent.suppressed());
}

#[test]
fn a_hard_bounce_and_an_unsubscribe_suppress_an_out_of_office_does_nothing_and_the_person_is_told_once()
 {
    let sent = Sent::new();
    let jr = sent.copy_of(JR);
    let bounce = format!(
        "From: MAILER-DAEMON@mx.bilbao.example.org\nTo: {reply}\n\
         Subject: Undelivered Mail Returned to Sender\nMessage-ID: <bounce@example.net>\n\
         Date: Mon, 7 Dec 2026 10:00:00 +0100\nMIME-Version: 1.0\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n\
         --b\nContent-Type: text/plain\n\nI'm sorry to have to inform you that your message could not be delivered.\n\n\
         --b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.bilbao.example.org\n\n\
         Final-Recipient: rfc822; {JR}\nAction: failed\nStatus: 5.1.1\n\
         Diagnostic-Code: smtp; 550 5.1.1 <{JR}>: Recipient address rejected: User unknown\n\n\
         --b\nContent-Type: text/rfc822-headers\n\nMessage-ID: <{id}>\nTo: {JR}\n\n--b--\n",
        reply = jr.reply_to,
        id = jr.message_id,
    );
    let bounced = sent.ingest("bounce", &bounce);
    assert_eq!(bounced["kinds"], serde_json::json!(["bounce"]));
    assert_eq!(bounced["member"], JR);
    assert_eq!(bounced["bounce"]["hard"], true);

    let juliana = sent.copy_of(JULIANA);
    let away = format!(
        "Auto-Submitted: auto-replied\n{}",
        reply(
            "away",
            JULIANA,
            &juliana.reply_to,
            &juliana.message_id,
            "Respuesta automática: Circular 30",
            "Estoy fuera de la oficina hasta el lunes."
        )
    );
    let away = sent.ingest("away", &away);
    assert_eq!(away["kinds"], serde_json::json!(["auto_reply"]));

    let amina = sent.copy_of(AMINA);
    let unsubscribe = sent.ingest(
        "unsubscribe",
        &reply(
            "unsubscribe",
            AMINA,
            &amina.unsubscribe,
            "",
            "unsubscribe",
            "",
        ),
    );
    assert_eq!(unsubscribe["kinds"], serde_json::json!(["unsubscribe"]));
    assert_eq!(unsubscribe["member"], AMINA);
    // Asking again suppresses nothing more and tells nobody twice.
    sent.ingest(
        "unsubscribe-again",
        &reply(
            "unsubscribe-again",
            AMINA,
            &amina.reply_to,
            &amina.message_id,
            "Re: Circulaire 30",
            "désinscription",
        ),
    );

    let mut suppressed = sent.suppressed();
    suppressed.sort();
    assert_eq!(
        suppressed,
        vec![
            (AMINA.to_string(), "unsubscribe".to_string()),
            (JR.to_string(), "hard_bounce".to_string()),
        ]
    );

    // The confirmation goes through the outbox, in Amina's language, threaded to her request.
    let before = sent.outbox().len();
    sent.ok(&["send", "30", "--now", "--wait"]);
    let new = sent.outbox();
    let confirmations: Vec<String> = new
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .filter(|raw| raw.contains("In-Reply-To: <unsubscribe@example.net>"))
        .collect();
    assert_eq!(
        confirmations.len(),
        1,
        "{} files before, {}",
        before,
        new.len()
    );
    let confirmation = MessageParser::default()
        .parse(confirmations[0].as_bytes())
        .unwrap();
    assert_eq!(common::address_of(confirmation.to()), AMINA);
    assert!(
        confirmation
            .subject()
            .unwrap()
            .starts_with("Vous ne recevrez plus"),
        "{:?}",
        confirmation.subject()
    );

    let status: Value =
        serde_json::from_str(&sent.ok(&["status", "30", "--format", "json"])).unwrap();
    assert_eq!(status["bounces"]["hard"], 1, "{status}");
    assert_eq!(status["suppressions"], 2, "{status}");
}

#[test]
fn suppressions_are_added_and_removed_by_hand_and_a_wrong_removal_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!(
        "sqlite://{}",
        dir.path().join("data/circulars.db").display()
    );
    let add = circulars(
        dir.path(),
        &db,
        &[
            "suppressions",
            "add",
            "x@example.org",
            "--note",
            "asked by phone",
        ],
    );
    assert!(add.status.success(), "{}", stderr(&add));
    let list = stdout(&circulars(dir.path(), &db, &["suppressions", "list"]));
    assert!(
        list.contains("x@example.org") && list.contains("manual"),
        "{list}"
    );
    let remove = circulars(
        dir.path(),
        &db,
        &["suppressions", "remove", "x@example.org"],
    );
    assert!(remove.status.success(), "{}", stderr(&remove));
    let again = circulars(
        dir.path(),
        &db,
        &["suppressions", "remove", "x@example.org"],
    );
    assert_eq!(again.status.code(), Some(65));
    assert!(stderr(&again).contains("x@example.org is not suppressed"));
    let bad = circulars(dir.path(), &db, &["suppressions", "add", "not an address"]);
    assert_eq!(bad.status.code(), Some(64));
}

/// A soft bounce for `email`, numbered `n`, sent back to the signed address `reply_to`.
fn soft_bounce(n: usize, email: &str, reply_to: &str, message_id: &str) -> String {
    format!(
        "From: MAILER-DAEMON@mx.bilbao.example.org\r\nTo: {reply_to}\r\n\
         Subject: Delivery Status Notification (Failure)\r\nMessage-ID: <soft-{n}@example.net>\r\n\
         Date: Mon, 7 Dec 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain\r\n\r\nThe recipient's mailbox is full.\r\n\r\n\
         --b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.bilbao.example.org\r\n\r\n\
         Final-Recipient: rfc822; {email}\r\nAction: failed\r\nStatus: 4.2.2\r\n\
         Diagnostic-Code: smtp; 452 4.2.2 Mailbox full\r\n\r\n\
         --b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <{message_id}>\r\nTo: {email}\r\n\r\n--b--\r\n"
    )
}

/// The bounce score of member `email` in the database at `db`.
fn bounce_score(db: &str, email: &str) -> i64 {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(db).await.unwrap();
        sqlx::query_scalar("SELECT bounce_score FROM members WHERE email = $1")
            .bind(email)
            .fetch_one(&pool)
            .await
            .unwrap()
    })
}

#[test]
fn soft_bounces_raise_the_score_once_per_threshold_even_within_one_batch() {
    // Five soft bounces count as one hard bounce (the tests suppress at the first).
    let sent = Sent::new();
    let jr = sent.copy_of(JR);
    let write = |n: usize| {
        let file = sent.path().join(format!("soft-{n}.eml"));
        std::fs::write(&file, soft_bounce(n, JR, &jr.reply_to, &jr.message_id)).unwrap();
        file.to_str().unwrap().to_owned()
    };
    // Nine in one batch: the fifth raises the score, the four after it wait for a fifth.
    let files: Vec<String> = (0..9).map(write).collect();
    let mut args = vec!["ingest"];
    args.extend(files.iter().map(String::as_str));
    sent.ok(&args);
    let list = sent.json(&["inbound", "list", "--kind", "bounce"]);
    assert_eq!(list.as_array().unwrap().len(), 9, "{list}");
    assert_eq!(list[0]["bounce"]["hard"], false, "{list}");
    let db = format!(
        "sqlite://{}",
        sent.path().join("data/circulars.db").display()
    );
    assert_eq!(bounce_score(&db, JR), 1);
    assert_eq!(
        sent.suppressed(),
        vec![(JR.to_string(), "hard_bounce".to_string())]
    );
    let tenth = write(9);
    sent.ok(&["ingest", &tenth]);
    assert_eq!(bounce_score(&db, JR), 2, "the tenth makes five again");
}

#[test]
fn more_messages_than_a_batch_are_all_decided_in_order() {
    // 600 soft bounces: three batches of the processor, read while the one before is
    // written. Every fifth raises the score, across the batches' edges too.
    let sent = Sent::new();
    let jr = sent.copy_of(JR);
    let files: Vec<String> = (0..600)
        .map(|n| {
            let file = sent.path().join(format!("soft-{n}.eml"));
            std::fs::write(&file, soft_bounce(n, JR, &jr.reply_to, &jr.message_id)).unwrap();
            file.to_str().unwrap().to_owned()
        })
        .collect();
    let mut args = vec!["ingest"];
    args.extend(files.iter().map(String::as_str));
    sent.ok(&args);
    let list = sent.json(&["inbound", "list", "--kind", "bounce"]);
    assert_eq!(list.as_array().unwrap().len(), 600);
    let db = format!(
        "sqlite://{}",
        sent.path().join("data/circulars.db").display()
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let waiting: i64 = runtime.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db).await.unwrap();
        sqlx::query_scalar("SELECT COUNT(*) FROM inbound_messages WHERE status = 'new'")
            .fetch_one(&pool)
            .await
            .unwrap()
    });
    assert_eq!(waiting, 0, "none is left undecided");
    assert_eq!(bounce_score(&db, JR), 120);
}
