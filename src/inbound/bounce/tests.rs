use mail_parser::MessageParser;

use super::{BounceKind, Report, read};

fn parse(raw: &str) -> Option<Report> {
    let message = MessageParser::default().parse(raw.as_bytes())?;
    read(&message)
}

fn addresses(report: &Report) -> Vec<&str> {
    report.failed.iter().map(|f| f.address.as_str()).collect()
}

const DSN: &str = "From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r
To: sender@example.net\r
Subject: Undelivered Mail Returned to Sender\r
MIME-Version: 1.0\r
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r
\r
--b1\r
Content-Type: text/plain\r
\r
I'm sorry to have to inform you that your message could not be delivered.\r
--b1\r
Content-Type: message/delivery-status\r
\r
Reporting-MTA: dns; mx.example.org\r
\r
Final-Recipient: rfc822; Member@Example.org\r
Action: failed\r
Status: 5.1.1\r
Diagnostic-Code: smtp; 550 5.1.1 <member@example.org>: Recipient address\r
 rejected: User unknown in local recipient table\r
\r
Final-Recipient: rfc822; full@example.org\r
Action: failed\r
Status: 5.2.2\r
Diagnostic-Code: smtp; 552 5.2.2 Mailbox full\r
--b1\r
Content-Type: text/rfc822-headers\r
\r
Message-ID: <c30.m12@circulars.example.net>\r
To: member@example.org\r
From: sender@example.net\r
--b1--\r
";

#[test]
fn a_delivery_status_report_gives_each_recipient_its_status_and_the_original() {
    let report = parse(DSN).expect("a bounce");
    assert_eq!(report.kind, BounceKind::Hard);
    assert_eq!(report.format, "rfc3464");
    assert_eq!(
        addresses(&report),
        ["member@example.org", "full@example.org"]
    );
    assert!(report.failed[0].hard);
    assert!(!report.failed[1].hard, "a full mailbox is soft");
    assert_eq!(report.failed[0].status.as_deref(), Some("5.1.1"));
    let diagnostic = report.failed[0].diagnostic.as_deref().unwrap_or_default();
    assert!(diagnostic.contains("User unknown in local"), "{diagnostic}");
    assert_eq!(
        report.original_message_id.as_deref(),
        Some("c30.m12@circulars.example.net")
    );
    assert_eq!(report.original_to.as_deref(), Some("member@example.org"));
}

#[test]
fn a_delayed_report_is_a_delay_not_a_failure() {
    let raw = DSN
        .replace("Action: failed", "Action: delayed")
        .replace("5.1.1", "4.4.1")
        .replace("5.2.2", "4.2.2");
    assert_eq!(parse(&raw).map(|r| r.kind), Some(BounceKind::Delay));
}

#[test]
fn a_feedback_report_and_a_success_report_are_not_bounces() {
    let feedback = DSN.replace("report-type=delivery-status", "report-type=feedback-report");
    assert!(parse(&feedback).is_none());
    let delivered = DSN
        .replace("Action: failed", "Action: delivered")
        .replace("Status: 5.1.1", "Status: 2.0.0")
        .replace("Status: 5.2.2", "Status: 2.0.0");
    assert!(parse(&delivered).is_none());
}

#[test]
fn an_exim_bounce_names_the_failed_address_and_why() {
    let raw = "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\n\
To: sender@example.net\nSubject: Mail delivery failed: returning message to sender\n\n\
This message was created automatically by mail delivery software.\n\n\
A message that you sent could not be delivered to one or more of its\n\
recipients. This is a permanent error. The following address(es) failed:\n\n\
  gone@example.org\n    host mx.example.org [192.0.2.1]\n\
    SMTP error from remote mail server after RCPT TO:<gone@example.org>:\n\
    550 5.1.1 No such user here\n\n\
------ This is a copy of the message, including all the headers. ------\n\n\
Message-ID: <c30.m13@circulars.example.net>\nFrom: sender@example.net\nTo: gone@example.org\n\nHello\n";
    let report = parse(raw).expect("a bounce");
    assert_eq!((report.kind, report.format), (BounceKind::Hard, "exim"));
    assert_eq!(addresses(&report), ["gone@example.org"]);
    assert_eq!(report.failed[0].status.as_deref(), Some("5.1.1"));
    assert_eq!(
        report.original_message_id.as_deref(),
        Some("c30.m13@circulars.example.net")
    );
}

#[test]
fn a_qmail_bounce_with_a_full_mailbox_is_soft() {
    let raw = "From: MAILER-DAEMON@mx.example.org\nTo: sender@example.net\n\
Subject: failure notice\n\nHi. This is the qmail-send program at mx.example.org.\n\
I'm afraid I wasn't able to deliver your message to the following addresses.\n\n\
<busy@example.org>:\n552 mailbox is full, over quota (#5.2.2)\n\n\
--- Below this line is a copy of the message.\n\nTo: busy@example.org\n\nHi\n";
    let report = parse(raw).expect("a bounce");
    assert_eq!((report.kind, report.format), (BounceKind::Soft, "qmail"));
    assert_eq!(addresses(&report), ["busy@example.org"]);
}

#[test]
fn a_french_bounce_with_an_unknown_address_is_hard() {
    let raw = "From: postmaster@example.fr\nTo: sender@example.net\n\
Subject: Non remis : Circulaire 30\nContent-Type: text/plain; charset=utf-8\n\n\
Votre message n'a pas pu être remis aux destinataires suivants :\n\n\
membre@example.fr\n    550 adresse inconnue\n";
    let report = parse(raw).expect("a bounce");
    assert_eq!((report.kind, report.format), (BounceKind::Hard, "fr"));
    assert_eq!(addresses(&report), ["membre@example.fr"]);
}

#[test]
fn a_spanish_bounce_with_a_full_mailbox_is_soft() {
    let raw = "From: MAILER-DAEMON@example.es\nTo: sender@example.net\n\
Subject: No entregado: Circular 30\nContent-Type: text/plain; charset=utf-8\n\n\
No se pudo entregar el mensaje a los siguientes destinatarios:\n\n\
socio@example.es\n    Buzón lleno\n";
    let report = parse(raw).expect("a bounce");
    assert_eq!((report.kind, report.format), (BounceKind::Soft, "es"));
    assert_eq!(addresses(&report), ["socio@example.es"]);
}

#[test]
fn a_delay_warning_in_text_is_a_delay() {
    let raw = "From: Mail Delivery Subsystem <mailer-daemon@example.org>\nTo: sender@example.net\n\
Subject: Delivery Status Notification (Delay)\n\n\
Delivery to the following recipient has been delayed:\n\n     slow@example.org\n\n\
Message will be retried for 2 more day(s)\n";
    let report = parse(raw).expect("a delay notice");
    assert_eq!(report.kind, BounceKind::Delay);
    assert_eq!(addresses(&report), ["slow@example.org"]);
}

#[test]
fn a_human_reply_that_mentions_delivery_is_not_a_bounce() {
    let raw = "From: Ana <ana@example.org>\nTo: circulars@example.net\nSubject: Re: Circular 30\n\n\
Thanks! The last one could not be delivered to my old address, use this one.\n";
    assert!(parse(raw).is_none());
}

#[test]
fn a_person_forwarding_a_bounce_is_not_a_bounce() {
    let quoted = "---------- Forwarded message ---------\n\
From: Mail Delivery Subsystem <mailer-daemon@example.net>\n\
Subject: Delivery Status Notification (Failure)\n\n\
Your message wasn't delivered to deputy@example.org because the address couldn't be found.\n\
Final-Recipient: rfc822; deputy@example.org\nAction: failed\nStatus: 5.1.1\n";
    for subject in [
        "Fwd: Delivery Status Notification (Failure)",
        "TR : Non remis",
        "RV: Undeliverable: Circular 30",
        "Re: Fw: Returned mail",
    ] {
        let raw = format!(
            "From: Ana <ana@example.org>\nTo: circulars@example.net\nSubject: {subject}\n\n\
Our deputy's address bounced, please use deputy.mayor@example.org instead.\n\n{quoted}"
        );
        assert!(parse(&raw).is_none(), "{subject}");
    }
    // A server's bounce of a message whose subject was a forward is still a bounce.
    let bounce = format!(
        "From: Mail Delivery Subsystem <mailer-daemon@example.net>\nTo: circulars@example.net\n\
Subject: Fwd: Circular 30\n\n{}",
        quoted.split_once("\n\n").map_or("", |(_, body)| body)
    );
    assert_eq!(
        addresses(&parse(&bounce).expect("a bounce")),
        ["deputy@example.org"]
    );
}

#[test]
fn garbage_does_not_panic() {
    let inputs: [&[u8]; 6] = [
        b"",
        b"\0\0\0@@@",
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\n\n--x\nContent-Type: message/delivery-status\n\nFinal-Recipient: ;\nStatus: 5.\n--x",
        b"From: MAILER-DAEMON\nSubject: Undelivered\n\n<@>:\n5.1.1.1.1 @a. <a@b.c>: 550",
        "From: postmaster@é\nSubject: Returned mail\n\nÿ\u{feff}@\u{300}.ü 4.".as_bytes(),
        b"Subject: x\n\n\xff\xfe@\xff.\xff",
    ];
    for raw in inputs {
        if let Some(message) = MessageParser::default().parse(raw) {
            let _ = read(&message);
        }
    }
}

mod formats;
mod transcripts;
