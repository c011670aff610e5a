use super::*;

const OUTLOOK: &[u8] = b"Return-Path: <Marie.Dupont@Ville.example.org>\r\n\
Delivered-To: reply+abc@circ.example.org\r\n\
X-Original-To: reply+abc@circ.example.org\r\n\
From: =?iso-8859-1?Q?Marie_Dupont_=28Mairie=29?= <Marie.Dupont@Ville.example.org>\r\n\
To: \"Circulars\" <Reply+ABC@circ.example.org>, other@example.org\r\n\
Cc: Chef <chef@ville.example.org>\r\n\
Subject: =?utf-8?Q?RE=C2=A0:_Circulaire_n=C2=B012?=\r\n\
Date: Tue, 3 Mar 2026 09:15:00 +0100\r\n\
Message-ID: <AM0PR01MB1234@eurprd01.prod.exchangelabs.com>\r\n\
In-Reply-To: <c12.m7@circ.example.org>\r\n\
References: <c12.root@circ.example.org> <c12.m7@circ.example.org>\r\n\
X-Auto-Response-Suppress: All\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/alternative; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain; charset=\"iso-8859-1\"\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Oui, je viendrai =E0 la r=E9union.\r\n\
--b1\r\n\
Content-Type: text/html; charset=\"iso-8859-1\"\r\n\
\r\n\
<p>Oui, je viendrai</p>\r\n\
--b1--\r\n";

#[test]
fn an_outlook_reply_gives_its_headers_and_plain_text() {
    let read = read(OUTLOOK);
    assert_eq!(
        read.message_id.as_deref(),
        Some("AM0PR01MB1234@eurprd01.prod.exchangelabs.com")
    );
    let from = read.from.as_ref().unwrap();
    assert_eq!(from.address, "marie.dupont@ville.example.org");
    assert_eq!(from.name.as_deref(), Some("Marie Dupont (Mairie)"));
    assert_eq!(
        read.return_path.as_deref(),
        Some("marie.dupont@ville.example.org")
    );
    assert_eq!(read.to, ["reply+abc@circ.example.org", "other@example.org"]);
    assert_eq!(read.cc, ["chef@ville.example.org"]);
    assert_eq!(read.delivered_to, ["reply+abc@circ.example.org"]);
    assert_eq!(read.x_original_to, ["reply+abc@circ.example.org"]);
    assert_eq!(read.subject.as_deref(), Some("RE\u{a0}: Circulaire n°12"));
    let date = read.date.as_ref().unwrap();
    assert_eq!(date.written, "Tue, 3 Mar 2026 09:15:00 +0100");
    assert_eq!(
        date.parsed.unwrap().to_rfc3339(),
        "2026-03-03T09:15:00+01:00"
    );
    assert_eq!(read.in_reply_to, ["c12.m7@circ.example.org"]);
    assert_eq!(
        read.references,
        ["c12.root@circ.example.org", "c12.m7@circ.example.org"]
    );
    assert_eq!(read.text.trim(), "Oui, je viendrai à la réunion.");
    assert!(!read.html_only);
    assert!(read.attachments.is_empty());
    assert!(read.faults.is_clean(), "{:?}", read.faults);
}

#[test]
fn an_html_only_message_is_read_as_text() {
    let raw = b"From: a@example.org\r\nSubject: Re: hola\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
<html><head><style>p{}</style></head><body><p>Hola,</p><p>S&iacute;, asistir&eacute;.</p>\
<blockquote>El lunes, Ana escribi&oacute;:<br>texto</blockquote></body></html>\r\n";
    let read = read(raw);
    assert!(read.html_only);
    assert_eq!(
        read.text,
        "Hola,\n\nSí, asistiré.\n\n> El lunes, Ana escribió:\n> texto\n"
    );
}

#[test]
fn windows_1252_without_a_charset_is_decoded() {
    let raw = b"From: a@example.org\r\nSubject: Caf\xe9 \x93ok\x94\r\n\r\nD\xe9j\xe0 vu \x80 5\r\n";
    let read = read(raw);
    assert_eq!(read.subject.as_deref(), Some("Café “ok”"));
    assert_eq!(read.text.trim(), "Déjà vu € 5");
    assert!(read.faults.eight_bit_headers);
}

#[test]
fn latin1_labelled_utf8_and_cp1252_labelled_latin1_are_repaired() {
    let raw = b"From: a@example.org\r\nContent-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\r\nr=E9union\r\n";
    assert_eq!(read(raw).text.trim(), "réunion");
    let raw = b"From: a@example.org\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n\x93oui\x94\r\n";
    assert_eq!(read(raw).text.trim(), "“oui”");
}

#[test]
fn attachments_and_carried_messages_are_listed() {
    let raw = b"From: MAILER-DAEMON@mx.example.net\r\nReturn-Path: <>\r\nSubject: Undelivered\r\n\
Content-Type: multipart/mixed; boundary=\"x\"\r\n\r\n\
--x\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n\
--x\r\nContent-Type: application/pdf; name=\"ordre du jour.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n\
--x\r\nContent-Type: message/rfc822\r\n\r\n\
From: Circulars <c@circ.example.org>\r\nTo: Member@Example.net\r\nSubject: Circular 12\r\nMessage-ID: <c12.m7@circ.example.org>\r\n\r\nHello\r\n\
--x\r\nContent-Type: text/rfc822-headers\r\n\r\n\
Message-ID: <c13.m8@circ.example.org>\r\nTo: other@example.net\r\n\r\n\
--x--\r\n";
    let read = read(raw);
    assert_eq!(read.return_path.as_deref(), Some(""));
    assert_eq!(read.text.trim(), "See attached.");
    let pdf = read
        .attachments
        .iter()
        .find(|a| a.content_type == "application/pdf")
        .unwrap();
    assert_eq!(pdf.name.as_deref(), Some("ordre du jour.pdf"));
    assert_eq!(pdf.size, 9);
    assert_eq!(read.inner.len(), 2);
    assert_eq!(
        read.inner[0].message_id.as_deref(),
        Some("c12.m7@circ.example.org")
    );
    assert_eq!(read.inner[0].to, ["member@example.net"]);
    assert_eq!(read.inner[0].subject.as_deref(), Some("Circular 12"));
    assert_eq!(
        read.inner[1].message_id.as_deref(),
        Some("c13.m8@circ.example.org")
    );
    assert!(read.faults.is_clean(), "{:?}", read.faults);
}

#[test]
fn bad_input_is_read_and_flagged() {
    let not_mail = read(b"%PDF-1.4\n\x00\x01binary stuff\n");
    assert!(not_mail.faults.not_mail);
    assert!(not_mail.faults.nul_byte);
    assert!(read(b"").faults.not_mail);
    assert!(
        read(b"Hello, this is just a note.\nNothing more.\n")
            .faults
            .not_mail
    );

    let no_body = read(b"From: a@example.org\r\nSubject: empty\r\n\r\n");
    assert!(no_body.faults.no_body && !no_body.faults.not_mail);

    let broken = read(b"From: a@example.org\r\nContent-Type: multipart/mixed\r\n\r\ntext\r\n");
    assert!(broken.faults.broken_mime);
    let cut = read(
        b"From: a@example.org\r\nContent-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n\
Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64",
    );
    assert!(!cut.faults.not_mail);

    let mut large = b"From: a@example.org\r\n\r\n".to_vec();
    large.resize(faults::LARGE + 1, b'a');
    assert!(read(&large).faults.large);
}

#[test]
fn a_nul_byte_in_the_body_is_flagged_and_the_text_kept() {
    let read = read(b"From: a@example.org\r\nSubject: x\r\n\r\nbefore\x00after\r\n");
    assert!(read.faults.nul_byte);
    assert!(read.text.contains("before"));
}

#[test]
fn parse_gives_the_message_it_read() {
    let parsed = parse(OUTLOOK);
    assert_eq!(parsed.message.subject(), Some("RE\u{a0}: Circulaire n°12"));
    assert_eq!(parse(b"").message.parts.len(), 1);
}

#[test]
fn a_multipart_tree_the_parser_cannot_close_is_still_read() {
    // Found by the fuzzer: mail-parser's debug assertion "could not find multipart".
    let raw = include_bytes!("../../../tests/fixtures/mime/unclosed-multipart.eml");
    let parsed = parse(raw);
    assert_eq!(
        parsed.read.message_id.as_deref(),
        Some("20050429233445.FFFFFFFF99@e4.example.com")
    );
    assert!(!parsed.read.faults.not_mail);
    // Debug builds of mail-parser panic on it: the headers alone are read then.
    if cfg!(debug_assertions) {
        assert!(parsed.read.faults.broken_mime);
    }
}
