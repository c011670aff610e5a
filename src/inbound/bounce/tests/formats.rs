//! One short message per server format the reader knows, as those servers write them.

use super::{addresses, parse};
use crate::inbound::bounce::BounceKind;

fn notice(from: &str, subject: &str, body: &str) -> String {
    format!(
        "From: {from}\nTo: circulars@example.net\nSubject: {subject}\n\
MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}"
    )
}

fn kind_and_recipients(raw: &str) -> (BounceKind, Vec<String>) {
    let report = parse(raw).unwrap_or_else(|| panic!("not read as a bounce:\n{raw}"));
    let found = addresses(&report).into_iter().map(str::to_string).collect();
    (report.kind, found)
}

#[test]
fn an_office_365_report_with_recipient_not_found_is_hard() {
    let raw = notice(
        "Microsoft Outlook <MAILER-DAEMON@eur.prod.outlook.example.com>",
        "Undeliverable: Circular 12",
        "Your message to ana@example.org couldn't be delivered.\n\n\
ana wasn't found at example.org.\n\n\
Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'\n",
    );
    assert_eq!(
        kind_and_recipients(&raw),
        (BounceKind::Hard, vec!["ana@example.org".into()])
    );
}

#[test]
fn an_old_exchange_report_with_recipnotfound_is_hard() {
    let raw = notice(
        "System Administrator <postmaster@example.org>",
        "Undeliverable: Circular 12",
        "Delivery has failed to these recipients or groups:\n\n\
ana@example.org\n\
The e-mail address you entered couldn't be found.\n\n\
Diagnostic information for administrators:\n\n\
Generating server: mx.example.org\n\n\
ana@example.org\n#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##\n",
    );
    assert_eq!(
        kind_and_recipients(&raw),
        (BounceKind::Hard, vec!["ana@example.org".into()])
    );
}

#[test]
fn a_gmail_notice_says_hard_for_an_unknown_address_and_soft_for_a_full_inbox() {
    let unknown = notice(
        "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
        "Delivery Status Notification (Failure)",
        "Address not found\n\n\
Your message wasn't delivered to ana@example.org because the address couldn't be found, \
or is unable to receive mail.\n",
    );
    assert_eq!(
        kind_and_recipients(&unknown),
        (BounceKind::Hard, vec!["ana@example.org".into()])
    );
    let full = notice(
        "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
        "Delivery Status Notification (Failure)",
        "Message not delivered\n\n\
Your message couldn't be delivered to ana@example.org because the recipient's inbox is \
out of storage space.\n",
    );
    assert_eq!(kind_and_recipients(&full).0, BounceKind::Soft);
}

#[test]
fn a_yahoo_notice_names_the_address_and_its_error() {
    let raw = notice(
        "MAILER-DAEMON@yahoo.example.com",
        "Failure Notice",
        "Sorry, we were unable to deliver your message to the following address.\n\n\
<ana@example.org>:\n\
554: delivery error: dd This user doesn't have a example.org account (ana@example.org) [0]\n\n\
--- Below this line is a copy of the message.\n",
    );
    assert_eq!(
        kind_and_recipients(&raw),
        (BounceKind::Hard, vec!["ana@example.org".into()])
    );
}

#[test]
fn a_postfix_notice_without_a_report_part_is_read_from_its_text() {
    let raw = notice(
        "Mail Delivery System <MAILER-DAEMON@mx.example.net>",
        "Undelivered Mail Returned to Sender",
        "This is the mail system at host mx.example.net.\n\n\
I'm sorry to have to inform you that your message could not\n\
be delivered to one or more recipients. It's attached below.\n\n\
<ana@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 <ana@example.org>:\n\
    Recipient address rejected: User unknown in local recipient table (in reply to\n\
    RCPT TO command)\n",
    );
    let report = parse(&raw).expect("a bounce");
    assert_eq!((report.kind, report.format), (BounceKind::Hard, "postfix"));
    assert_eq!(report.failed[0].status.as_deref(), Some("5.1.1"));
}

#[test]
fn an_exim_notice_explains_an_address_over_several_lines() {
    let raw = notice(
        "Mail Delivery System <Mailer-Daemon@mx.example.net>",
        "Mail delivery failed: returning message to sender",
        "This message was created automatically by mail delivery software.\n\n\
A message that you sent could not be delivered to one or more of its\n\
recipients. This is a permanent error. The following address(es) failed:\n\n\
  ana@example.org\n\
    SMTP error from remote mail server after RCPT TO:\n\
    <ana@example.org>:\n\
    host mx.example.org [192.0.2.1]: 553 5.1.1 unknown or illegal user\n",
    );
    let report = parse(&raw).expect("a bounce");
    assert_eq!(report.kind, BounceKind::Hard);
    assert_eq!(report.failed[0].status.as_deref(), Some("5.1.1"));
}

#[test]
fn an_exim_alias_that_failed_gives_the_address_it_was_sent_to() {
    let raw = notice(
        "Mail Delivery System <Mailer-Daemon@mx.example.net>",
        "Mail delivery failed: returning message to sender",
        "This message was created automatically by mail delivery software.\n\n\
A message that you sent could not be delivered to one or more of its\n\
recipients. This is a permanent error. The following address(es) failed:\n\n\
  an undisclosed address\n\
    (generated from ana@example.org)\n",
    );
    assert_eq!(kind_and_recipients(&raw).1, ["ana@example.org"]);
}

#[test]
fn a_qmail_notice_with_an_unknown_user_is_hard() {
    let raw = notice(
        "MAILER-DAEMON@mx.example.org",
        "failure notice",
        "Hi. This is the qmail-send program at mx.example.org.\n\
I'm afraid I wasn't able to deliver your message to the following addresses.\n\
This is a permanent error; I've given up. Sorry it didn't work out.\n\n\
<ana@example.org>:\nSorry, no mailbox here by that name. (#5.1.1)\n",
    );
    assert_eq!(
        kind_and_recipients(&raw),
        (BounceKind::Hard, vec!["ana@example.org".into()])
    );
}

#[test]
fn a_lotus_notes_notice_is_read_as_a_bounce() {
    let raw = notice(
        "Postmaster@notes.example.org",
        "DELIVERY FAILURE: User ana (ana@example.org) not listed in Domino Directory",
        "Your message\n\n  Subject: Circular 12\n\nwas not delivered to:\n\n  ana@example.org\n\n\
because:\n\n  User ana (ana@example.org) not listed in Domino Directory\n",
    );
    assert_eq!(
        kind_and_recipients(&raw),
        (BounceKind::Hard, vec!["ana@example.org".into()])
    );
}

#[test]
fn a_french_notice_with_an_address_not_found_is_hard() {
    let raw = notice(
        "MAILER-DAEMON@smtp.example.fr",
        "Message non remis : Circulaire 12",
        "Votre message n'a pas pu être remis à l'adresse suivante :\n\n\
membre@example.fr\nAdresse introuvable\n",
    );
    assert_eq!(
        kind_and_recipients(&raw),
        (BounceKind::Hard, vec!["membre@example.fr".into()])
    );
}

#[test]
fn a_spanish_notice_with_an_address_that_does_not_exist_is_hard() {
    let raw = notice(
        "Administrador del sistema <postmaster@example.es>",
        "No se puede entregar: Circular 12",
        "No se pudo entregar el mensaje a los siguientes destinatarios:\n\n\
socio@example.es\n    La dirección de correo electrónico no existe.\n",
    );
    assert_eq!(
        kind_and_recipients(&raw),
        (BounceKind::Hard, vec!["socio@example.es".into()])
    );
}

#[test]
fn a_disabled_mailbox_is_hard_and_a_rate_limit_is_soft() {
    let disabled = notice(
        "Mail Delivery Subsystem <mailer-daemon@googlemail.com>",
        "Delivery Status Notification (Failure)",
        "Delivery to the following recipient failed permanently:\n\n     ana@example.org\n\n\
The error that the other server returned was:\n\
550 5.2.1 The email account that you tried to reach is disabled.\n",
    );
    assert_eq!(kind_and_recipients(&disabled).0, BounceKind::Hard);
    let rate = disabled.replace(
        "The email account that you tried to reach is disabled.",
        "The user you are trying to contact is receiving mail at a rate that prevents additional messages from being delivered.",
    );
    assert_eq!(kind_and_recipients(&rate).0, BounceKind::Soft);
}

#[test]
fn a_notice_that_goes_on_trying_is_a_delay_even_when_an_attempt_failed() {
    let raw = notice(
        "Mail Delivery System <mailer-daemon@mx.example.net>",
        "Warning: message 1abc delayed 24 hours",
        "This message was created automatically by mail delivery software.\n\
A message that you sent has not yet been delivered to one or more of its\n\
recipients after more than 24 hours on the queue on mx.example.net.\n\n\
  ana@example.org\n    host mx.example.org [192.0.2.1]: connection to mail exchanger failed\n\n\
No action is required on your part. Delivery attempts will continue for some time.\n",
    );
    assert_eq!(
        kind_and_recipients(&raw),
        (BounceKind::Delay, vec!["ana@example.org".into()])
    );
}

#[test]
fn a_sieve_reject_is_a_bounce_and_a_read_receipt_is_not() {
    let reject = "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>\n\
To: circulars@example.net\nSubject: Automatically rejected mail\nMIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=disposition-notification; boundary=\"r\"\n\n\
--r\nContent-Type: text/plain\n\n\
Your message to <ana@example.org> was automatically rejected:\nQuota exceeded\n\
--r\nContent-Type: message/disposition-notification\n\n\
Reporting-UA: mx.example.org; Dovecot Mail Delivery Agent\n\
Final-Recipient: rfc822; ana@example.org\n\
Disposition: automatic-action/MDN-sent-automatically; deleted\n\n--r--\n";
    let report = parse(reject).expect("a bounce");
    assert_eq!(report.kind, BounceKind::Soft);
    assert_eq!(addresses(&report), ["ana@example.org"]);
    let receipt = reject.replace(
        "automatic-action/MDN-sent-automatically; deleted",
        "manual-action/MDN-sent-manually; displayed",
    );
    assert!(parse(&receipt).is_none());
}

#[test]
fn a_report_gives_the_address_as_sent_not_the_alias_target() {
    let raw = "From: MAILER-DAEMON@mx.example.org\nTo: circulars@example.net\n\
Subject: Returned mail: see transcript for details\nMIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n\
--b\nContent-Type: text/plain\n\nThe original message was received at Mon, 1 Jun 2026.\n\
--b\nContent-Type: message/delivery-status\n\n\
Reporting-MTA: dns; mx.example.org\n\n\
Original-Recipient: rfc822;ana@example.org\n\
Final-Recipient: rfc822;ana.lopez@mail.example.org\n\
Action: failed\nStatus: 5.1.1\n\n--b--\n";
    let report = parse(raw).expect("a bounce");
    assert_eq!(addresses(&report), ["ana@example.org"]);
    assert_eq!(report.kind, BounceKind::Hard);
}

#[test]
fn a_domain_refusing_all_mail_is_hard_unless_it_refuses_the_sender() {
    let report = |diagnostic: &str| {
        notice(
            "Mail Delivery System <MAILER-DAEMON@mx.example.net>",
            "Undelivered Mail Returned to Sender",
            &format!(
                "This is the mail system at host mx.example.net.\n\n\
<ana@example.org>: host mx.example.org[192.0.2.1] said: {diagnostic} (in reply to RCPT TO command)\n"
            ),
        )
    };
    let no_mail = report("556 5.1.10 Domain does not accept mail");
    assert_eq!(kind_and_recipients(&no_mail).0, BounceKind::Hard);
    let blocklisted =
        report("521 5.7.1 Service unavailable; client [192.0.2.9] blocked using dnsbl.example.net");
    assert_eq!(kind_and_recipients(&blocklisted).0, BounceKind::Soft);
    let dns_later = report("Name service error for domain example.org: Host not found, try again");
    assert_eq!(kind_and_recipients(&dns_later).0, BounceKind::Soft);
}

#[test]
fn an_html_notice_flattened_onto_one_line_keeps_its_text_before_the_copy() {
    let raw = "From: MAILER-DAEMON@yahoo.example.com\nTo: circulars@example.net\n\
MIME-Version: 1.0\nContent-Type: text/html; charset=utf-8\n\n\
I'm afraid I wasn't able to deliver the following message. \
This is a permanent error; I've given up. Sorry it didn't work out. \
To: ana@example.org ---Below this line is a copy of the message.\n";
    let report = parse(raw).expect("a bounce");
    assert_eq!(addresses(&report), ["ana@example.org"]);
}

#[test]
fn a_server_returning_the_message_to_named_addresses_is_a_bounce_in_any_language() {
    let raw = "From: MAILER-DAEMON@mail.example.cn\nTo: circulars@example.net\n\
Subject: =?utf-8?B?6YKu5Lu26YCA5L+h?=\nMIME-Version: 1.0\n\
Content-Type: multipart/mixed; boundary=\"m\"\n\n\
--m\nContent-Type: text/plain; charset=utf-8\n\n\
邮件无法投递到以下地址：\n\n<ana@example.org>:\n\n<ben@example.org>:\n\n\
--m\nContent-Type: message/rfc822\n\n\
Message-ID: <c12.m1@circulars.example.net>\nTo: ana@example.org\n\nHello\n--m--\n";
    let report = parse(raw).expect("a bounce");
    assert_eq!(addresses(&report), ["ana@example.org", "ben@example.org"]);
    assert_eq!(
        report.kind,
        BounceKind::Soft,
        "nothing says the addresses are wrong"
    );
}

#[test]
fn a_french_notice_about_a_full_mailbox_is_soft() {
    let raw = notice(
        "Mail Delivery System <MAILER-DAEMON@smtp.example.fr>",
        "Message non délivré : Circulaire 12",
        "Votre message n'a pas pu être délivré au destinataire suivant :\n\n\
membre@example.fr\n    552 5.2.2 La boîte aux lettres du destinataire est pleine\n",
    );
    assert_eq!(
        kind_and_recipients(&raw),
        (BounceKind::Soft, vec!["membre@example.fr".into()])
    );
}

#[test]
fn a_spanish_delay_notice_is_a_delay() {
    let raw = notice(
        "MAILER-DAEMON@correo.example.es",
        "Entrega retrasada: Circular 12",
        "Su mensaje aún no se ha entregado a los siguientes destinatarios:\n\n\
socio@example.es\n\nEl servidor seguirá intentando durante 4 días.\n",
    );
    assert_eq!(
        kind_and_recipients(&raw),
        (BounceKind::Delay, vec!["socio@example.es".into()])
    );
}

#[test]
fn the_plainer_words_for_an_unknown_user_are_hard() {
    for words in [
        "Invalid final delivery userid: ana@example.org",
        "ana@example.org: User not known",
        "ana@example.org: this email address is wrong or no longer valid",
    ] {
        let raw = notice(
            "Postmaster <postmaster@example.org>",
            "Undeliverable Mail",
            &format!("Your message could not be delivered.\n\n{words}\n"),
        );
        assert_eq!(
            kind_and_recipients(&raw),
            (BounceKind::Hard, vec!["ana@example.org".into()]),
            "{words}"
        );
    }
}

#[test]
fn a_sendmail_transcript_names_each_refused_recipient_after_its_code() {
    let raw = notice(
        "Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>",
        "Returned mail: see transcript for details",
        "The original message was received at Mon, 1 Jun 2026 10:00:00 +0200\n\n\
   ----- Transcript of session follows -----\n\
550 example.org (smtp)... 550 Host unknown\n\
554 <ana@example.org>... 550 Host unknown (Authoritative answer from name server)\n\
>>> RCPT To:<ben@example.net>\n\
<<< 550 5.1.1 No such user here.\n\
550 5.1.1 <ben@example.net>... User unknown\n\n\
   ----- Unsent message follows -----\n",
    );
    assert_eq!(
        kind_and_recipients(&raw),
        (
            BounceKind::Hard,
            vec!["ana@example.org".into(), "ben@example.net".into()]
        )
    );
}

#[test]
fn a_sentence_about_recipients_ending_in_a_colon_names_the_failed_one() {
    let raw = notice(
        "mailer-daemon@mx.example.net",
        "There was an error sending your mail",
        "We had trouble delivering your message. Full details follow:\n\n\
1 error(s):\n\n\
The following recipients returned permanent errors: ana@example.org. Reason: \
SMTP Server <192.0.2.1> refused to accept your message (550 5.1.1 User unknown)\n",
    );
    assert_eq!(
        kind_and_recipients(&raw),
        (BounceKind::Hard, vec!["ana@example.org".into()])
    );
}

#[test]
fn a_sentence_mentioning_a_copy_of_the_message_does_not_end_the_notice() {
    let raw = notice(
        "MDaemon@mx.example.net",
        "Permanent Delivery Failure",
        "The attached message had PERMANENT fatal delivery errors!\n\n\
YOUR MESSAGE WAS NOT DELIVERED!\n\n\
The following addresses did NOT receive a copy of your message:\n\n\
> ana@example.org\n\n--- Session Transcript ---\n",
    );
    assert_eq!(kind_and_recipients(&raw).1, ["ana@example.org"]);
}

#[test]
fn a_report_a_gateway_sends_on_as_an_attachment_is_read() {
    let raw = "From: postmaster@gateway.example.org\nTo: circulars@example.net\nSubject: Delivery Status Notification (Failure)\n\
MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"outer\"\n\n\
--outer\nContent-Type: message/rfc822\nContent-Disposition: attachment; filename=originalmail.eml\n\n\
From: postmaster@example.org\nTo: circulars@example.net\nSubject: Delivery Status Notification (Failure)\n\
MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"inner\"\n\n\
--inner\nContent-Type: text/plain\n\nDelivery to the following recipients failed.\n\n       ana@example.org\n\n\
--inner\nContent-Type: message/delivery-status\n\n\
Reporting-MTA: dns;mx.example.org\n\n\
Final-Recipient: rfc822;ana@example.org\nAction: failed\nStatus: 5.1.1\n\n\
--inner--\n\n--outer\nContent-Type: text/plain\n\nScanned by the gateway.\n--outer--\n";
    assert_eq!(
        kind_and_recipients(raw),
        (BounceKind::Hard, vec!["ana@example.org".into()])
    );
}
