//! Where old servers put the failed address and their answer about it: X.400 forms, a
//! server's reply that names the address further on, an address set off by commas, a
//! session transcript with more than one reply.

use super::{addresses, parse};
use crate::inbound::bounce::BounceKind;

fn notice(body: &str) -> String {
    format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.example.net>\nTo: circulars@example.net\n\
Subject: Undeliverable mail\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}"
    )
}

fn kind_and_recipients(body: &str) -> (BounceKind, Vec<String>) {
    let raw = notice(body);
    let report = parse(&raw).unwrap_or_else(|| panic!("not read as a bounce:\n{raw}"));
    let found = addresses(&report).into_iter().map(str::to_string).collect();
    (report.kind, found)
}

#[test]
fn an_exchange_x400_address_gives_its_smtp_address() {
    let body = "Your message\n\n  To:      list@example.net\n  Subject: Circular 12\n\n\
did not reach the following recipient(s):\n\n\
c=ES;a= ;p=Ayto;o=Mail1;dda:SMTP=ana@example.org; on Fri, 4 Oct 2002 17:12:28 -0400\n\
    The recipient name is not recognized\n";
    assert_eq!(
        kind_and_recipients(body),
        (BounceKind::Hard, vec!["ana@example.org".into()])
    );
}

#[test]
fn a_reply_code_line_names_a_second_recipient() {
    let body = "Sorry, unable to deliver your message to ana@example.org for\n\
the following reason:\n\n 552 Quota violation for luis@example.org\n";
    let (kind, mut found) = kind_and_recipients(body);
    found.sort();
    assert_eq!(kind, BounceKind::Soft);
    assert_eq!(found, ["ana@example.org", "luis@example.org"]);
}

#[test]
fn an_address_set_off_by_commas_after_the_word_address_is_the_recipient() {
    let body = "The address to which your message was addressed, ana@example.org, did not\n\
exactly match an address of ours.\n";
    assert_eq!(kind_and_recipients(body).1, ["ana@example.org"]);
}

#[test]
fn the_answer_to_rcpt_to_decides_before_later_lines_of_a_transcript() {
    let body = "   ----- Transcript of session follows -----\n\
>>> RCPT To:<ana@example.org>\n\
<<< 550 <ana@example.org>, User Unknown\n\
421 example.org (smtp)... Deferred: Connection timed out during user open\n";
    assert_eq!(
        kind_and_recipients(body),
        (BounceKind::Hard, vec!["ana@example.org".into()])
    );
}

#[test]
fn a_server_saying_there_is_no_valid_recipient_is_hard() {
    let body = "Message could not be delivered to mobile.\n\
Error: No valid recipients for this MM\n\nOriginal Message:\nTo: 0000000000@mms.example.net\n";
    assert_eq!(kind_and_recipients(body).0, BounceKind::Hard);
}
