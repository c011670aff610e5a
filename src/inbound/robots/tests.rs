use super::{Robot, Signs, robot, sure_challenge};
use crate::inbound::read::parse;

fn kind(raw: &str) -> Option<Robot> {
    let parsed = parse(raw.as_bytes());
    robot(&parsed.message, &Signs::of(&parsed.message, &parsed.read)).map(|(robot, _)| robot)
}

fn mail(headers: &str, body: &str) -> String {
    format!("From: Ana <ana@example.org>\r\nTo: reply@circ.example.org\r\n{headers}\r\n\r\n{body}")
}

#[test]
fn rfc_3834_and_the_usual_headers_mark_auto_replies() {
    let headers = [
        "Subject: Re: Circular 12\r\nAuto-Submitted: auto-replied",
        "Subject: Re: Circular 12\r\nAuto-Submitted: auto-generated",
        "Subject: Re: Circular 12\r\nX-Autoreply: yes",
        "Subject: Re: Circular 12\r\nX-Autorespond: Circular 12",
        "Subject: Re: Circular 12\r\nPrecedence: bulk",
        "Subject: Re: Circular 12\r\nPrecedence: list\r\nList-Id: <council.example.org>",
        "Subject: Re: Circular 12\r\nX-MS-Exchange-Inbox-Rules-Loop: ana@example.org",
        "Subject: Re: Circular 12\r\nX-MS-Exchange-Generated-Message-Source: Mailbox Rules Agent",
        "Subject: Re: Circular 12\r\nX-Mailer: Vacation 1.2",
        "Subject: Re: Circular 12\r\nReturn-Path: <>",
    ];
    for h in headers {
        assert_eq!(kind(&mail(h, "Hello.\r\n")), Some(Robot::AutoReply), "{h}");
    }
}

#[test]
fn auto_reply_subjects_in_many_languages_mark_auto_replies() {
    let subjects = [
        "Automatic reply: Circular 12",
        "Out of Office: Circular 12",
        "AUTO: Ana is out of the office (returning 05/01/2026)",
        "Re: Circular 12 (Automatic Response)",
        "Réponse automatique : Circulaire 12",
        "=?utf-8?Q?R=C3=A9ponse_automatique=C2=A0:_Circulaire_12?=",
        "Absent du bureau : Circulaire 12",
        "Absence : Circulaire 12",
        "Respuesta automática: Circular 12",
        "Fuera de la oficina: Circular 12",
        "Abwesenheitsnotiz: Rundschreiben 12",
        "Risposta automatica: Circolare 12",
        "Resposta automática: Circular 12",
        "Afwezig: Circulaire 12",
    ];
    for s in subjects {
        assert_eq!(
            kind(&mail(&format!("Subject: {s}"), "x\r\n")),
            Some(Robot::AutoReply),
            "{s}"
        );
    }
}

#[test]
fn out_of_office_bodies_mark_auto_replies() {
    let bodies = [
        "I am currently out of the office with limited access to email. I will reply on my return.",
        "Je suis absente du bureau jusqu'au 12 mars. Je prendrai connaissance de votre message à mon retour.",
        "Ceci est une réponse automatique. Merci pour votre message.",
        "Estoy fuera de la oficina hasta el lunes. Responderé a mi regreso.",
        "Esta es una respuesta automática: su mensaje ha sido recibido.",
    ];
    for b in bodies {
        assert_eq!(
            kind(&mail("Subject: Re: Circular 12", b)),
            Some(Robot::AutoReply),
            "{b}"
        );
    }
}

#[test]
fn challenges_and_read_receipts_are_told_apart() {
    let challenge = mail(
        "Subject: Please confirm your message\r\nAuto-Submitted: auto-replied",
        "This account is protected. Please click on the following link to have your address added to my allowed list.",
    );
    assert_eq!(kind(&challenge), Some(Robot::Challenge));
    let boxbe = mail(
        "Subject: Re: Circular 12\r\nX-Boxbe-Screening: yes",
        "Hello",
    );
    assert_eq!(kind(&boxbe), Some(Robot::Challenge));
    let verify = mail(
        "Subject: Re: Circular 12",
        "Your message is being held. Please verify your email to deliver it.",
    );
    assert_eq!(kind(&verify), Some(Robot::Challenge));

    let mdn = "From: ana@example.org\r\nSubject: Read: Circular 12\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=disposition-notification; boundary=\"r\"\r\n\r\n\
--r\r\nContent-Type: text/plain\r\n\r\nYour message was read.\r\n\
--r\r\nContent-Type: message/disposition-notification\r\n\r\n\
Final-Recipient: rfc822;ana@example.org\r\nDisposition: manual-action/MDN-sent-manually; displayed\r\n\r\n--r--\r\n";
    assert_eq!(kind(mdn), Some(Robot::ReadReceipt));
    for s in [
        "Read: Circular 12",
        "Lu : Circulaire 12",
        "Leído: Circular 12",
    ] {
        assert_eq!(
            kind(&mail(&format!("Subject: {s}"), "x")),
            Some(Robot::ReadReceipt),
            "{s}"
        );
    }
}

fn sure(raw: &str) -> bool {
    let parsed = parse(raw.as_bytes());
    sure_challenge(&Signs::of(&parsed.message, &parsed.read)).is_some()
}

#[test]
fn a_screening_service_named_beside_its_request_is_a_sure_challenge() {
    let boxbe = "From: noreply@boxbe.com\r\nTo: sender@example.net\r\n\
Subject: Re: Circular 12 (Action Required)\r\n\r\n\
Hello,\r\n\r\nYour message about \"Circular 12\" has been waitlisted.\r\n\
Please add yourself to my Boxbe Guest List so your messages will go to my Inbox.\r\n\
Click the link below to be added:\r\nhttps://www.boxbe.com/crs?tc=1\r\n";
    assert!(sure(boxbe));
    assert_eq!(kind(boxbe), Some(Robot::Challenge));
    let human = mail(
        "Subject: Re: Circular 12\r\nAuto-Submitted: auto-replied",
        "Before your message reaches me, please verify you are human: https://example.org/v",
    );
    assert!(sure(&human));
}

#[test]
fn a_bounce_asking_for_a_verified_sender_is_no_sure_challenge() {
    let bounce = "From: MAILER-DAEMON@mx.example.org\r\nTo: sender@example.net\r\n\
Subject: Undelivered Mail Returned to Sender\r\n\r\n\
<ana@example.org>: host mx.example.org said: 550 5.7.1 Sender address not verified, \
verify your address and whitelist us (in reply to RCPT TO command)\r\n";
    assert!(!sure(bounce));
}

#[test]
fn people_are_not_robots() {
    let people = [
        // Outlook puts X-Auto-Response-Suppress on people's mail too.
        mail(
            "Subject: RE: Circular 12\r\nX-Auto-Response-Suppress: All\r\nThread-Topic: Circular 12",
            "Yes, we will come.",
        ),
        // A read receipt request is not a receipt.
        mail(
            "Subject: Re: Circular 12\r\nDisposition-Notification-To: ana@example.org",
            "See you there.",
        ),
        mail(
            "Subject: Re: Circular 12",
            "I will be out of the office that day, so my deputy will come instead. She will bring the figures we discussed last week, and I will read the minutes when I return. Thanks for organising this again; the last meeting was very useful for our team and the others.",
        ),
        mail(
            "Subject: Re: Absence of quorum",
            "We agree with the proposal.",
        ),
        mail(
            "Subject: Re: Circular 12",
            "Please add the circulars address to your whitelist? Ours went to spam.",
        ),
        mail(
            "Subject: RE: Circular 12",
            "Oui.\r\n\r\nLe lun. 5 janv. 2026, Ville a écrit :\r\n> Réponse automatique désactivée ; je suis absent du bureau\r\n",
        ),
        mail("Subject: Re: Circular 12\r\nAuto-Submitted: no", "Fine."),
    ];
    for p in &people {
        assert_eq!(kind(p), None, "{p}");
    }
}
