//! The whole road, on real servers: the daemon sends Circular 30 through aiosmtpd, then a
//! bounce, an out-of-office and an unsubscribe request for three members arrive in a real
//! Dovecot inbox (with a Dovecot restart between them); the daemon suppresses the bounced
//! and the unsubscribed address, does nothing for the out-of-office, and the unsubscribe
//! confirmation reaches aiosmtpd, threaded to the request.

mod common;

use std::time::Duration;

use common::Copy;
use common::daemon::{Road, wait_until};
use common::smtp::{Kept, SmtpServer};
use common::{circulars_with, stdout};
use serde_json::Value;

const MEMBERS: usize = 41;
const LIMIT: Duration = Duration::from_secs(60);
const JR: &str = "jr.etxebarria@bilbao.example.org";
const AMINA: &str = "amina.diallo@dakar.example.net";
const JULIANA: &str = "j.mendez@bogota.example.org";

fn copy_of(smtp: &SmtpServer, email: &str) -> Copy {
    Kept::copy_for(&smtp.kept(), email)
}

fn mail(headers: &str, body: &str) -> Vec<u8> {
    format!("{headers}Date: Mon, 7 Dec 2026 10:00:00 +0100\nMIME-Version: 1.0\n{body}")
        .replace('\n', "\r\n")
        .into_bytes()
}

fn bounce(jr: &Copy) -> Vec<u8> {
    mail(
        &format!(
            "From: Mail Delivery System <MAILER-DAEMON@mx.bilbao.example.org>\nTo: {}\n\
             Subject: Undelivered Mail Returned to Sender\nMessage-ID: <e2e-bounce@mx.example.org>\n\
             Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n",
            jr.reply_to
        ),
        &format!(
            "\n--b\nContent-Type: text/plain\n\nYour message could not be delivered.\n\
             \n--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.bilbao.example.org\n\n\
             Final-Recipient: rfc822; {JR}\nAction: failed\nStatus: 5.1.1\n\
             Diagnostic-Code: smtp; 550 5.1.1 User unknown\n\
             \n--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: <{}>\n\n--b--\n",
            jr.message_id
        ),
    )
}

fn out_of_office(juliana: &Copy) -> Vec<u8> {
    mail(
        &format!(
            "From: {JULIANA}\nTo: {}\nSubject: Respuesta automática: Circular 30\n\
             Auto-Submitted: auto-replied\nMessage-ID: <e2e-away@bogota.example.org>\n\
             In-Reply-To: <{}>\nContent-Type: text/plain; charset=utf-8\n",
            juliana.reply_to, juliana.message_id
        ),
        "\nEstoy fuera de la oficina hasta el 14 de diciembre.\n",
    )
}

fn unsubscribe(amina: &Copy) -> Vec<u8> {
    mail(
        &format!(
            "From: Amina Diallo <{AMINA}>\nTo: {}\nSubject: Re: Circulaire 30\n\
             Message-ID: <e2e-unsubscribe@dakar.example.net>\nIn-Reply-To: <{}>\n\
             Content-Type: text/plain; charset=utf-8\n",
            amina.reply_to, amina.message_id
        ),
        "\nMe désinscrire\n\n> Madame, Monsieur,\n> La Commission vous invite...\n",
    )
}

fn json(dir: &std::path::Path, db: &str, args: &[&str]) -> Value {
    let out = circulars_with(dir, db, args, &[]);
    serde_json::from_str(&stdout(&out)).unwrap_or(Value::Null)
}

#[test]
fn a_bounce_an_out_of_office_and_an_unsubscribe_through_imap_do_what_they_should_across_a_dovecot_restart()
 {
    let Road {
        smtp,
        mut dovecot,
        dir,
        db,
        mut daemon,
    } = Road::start(&[("CIRCULARS_SMTP_BOUNCE_THRESHOLD", "1")]);
    smtp.wait_for(MEMBERS);
    let (jr, juliana, amina) = (
        copy_of(&smtp, JR),
        copy_of(&smtp, JULIANA),
        copy_of(&smtp, AMINA),
    );

    dovecot.append(&bounce(&jr), "07-Dec-2026 10:00:00 +0100");
    let (path, url) = (dir.path().to_path_buf(), db.clone());
    let stored = move |n: usize| {
        let (path, url) = (path.clone(), url.clone());
        move || {
            json(&path, &url, &["inbound", "list", "--format", "json"])
                .as_array()
                .map_or(0, Vec::len)
                >= n
        }
    };
    assert!(wait_until(LIMIT, stored(1)), "{}", daemon.log());
    dovecot.restart();
    dovecot.append(&out_of_office(&juliana), "07-Dec-2026 10:05:00 +0100");
    dovecot.append(&unsubscribe(&amina), "07-Dec-2026 10:10:00 +0100");
    assert!(wait_until(LIMIT, stored(3)), "{}", daemon.log());

    // The confirmation reaches aiosmtpd, threaded to Amina's request, in French.
    let confirmation = smtp.wait_for(MEMBERS + 1).pop().unwrap();
    let parsed = confirmation.parsed();
    assert_eq!(confirmation.rcpt_tos, vec![AMINA.to_string()]);
    assert_eq!(
        parsed.in_reply_to().as_text(),
        Some("e2e-unsubscribe@dakar.example.net")
    );
    assert!(
        parsed
            .subject()
            .unwrap()
            .starts_with("Vous ne recevrez plus"),
        "{:?}",
        parsed.subject()
    );

    let listed = json(dir.path(), &db, &["inbound", "list", "--format", "json"]);
    let kinds: Vec<(String, Value)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["member"].as_str().unwrap_or_default().to_string(),
                m["kinds"].clone(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            (JR.to_string(), serde_json::json!(["bounce"])),
            (JULIANA.to_string(), serde_json::json!(["auto_reply"])),
            (AMINA.to_string(), serde_json::json!(["unsubscribe"])),
        ]
    );
    let suppressed = json(
        dir.path(),
        &db,
        &["suppressions", "list", "--format", "json"],
    );
    let mut suppressed: Vec<(String, String)> = suppressed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["email"].as_str().unwrap().into(),
                s["reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    suppressed.sort();
    assert_eq!(
        suppressed,
        vec![
            (AMINA.into(), "unsubscribe".into()),
            (JR.into(), "hard_bounce".into())
        ]
    );
    // Nothing was answered to the robots: the one extra message is the confirmation.
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(smtp.kept().len(), MEMBERS + 1);
    daemon.sigterm();
    let (status, _) = daemon.wait(LIMIT);
    assert!(status.success(), "{}", daemon.log());
}
