//! DKIM: a message signed with the test key verifies with its public key (checked by
//! Debian's python3-dkim, not by our own code), also after an SMTP trip; a bad key file is
//! named.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use circulars::config::{self, Config};
use circulars::mail::{DkimSigner, Outgoing, Transport};
use common::project_dir;
use common::smtp::SmtpServer;
use lettre::message::header::{HeaderName, HeaderValue};

fn dkim_config() -> Config {
    let mut config = Config::default();
    config.dkim.selector = "circ2026".into();
    config.dkim.domain = "uclg.example.org".into();
    config.dkim.key_file = project_dir()
        .join("tests/fixtures/dkim/private.pem")
        .display()
        .to_string();
    config
}

fn header(name: &'static str, value: &str) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value.into())
}

fn signed_message() -> Vec<u8> {
    let mut message = lettre::Message::builder()
        .from(
            "UCLG World Secretariat <circulars@uclg.example.org>"
                .parse()
                .unwrap(),
        )
        .reply_to("circulars+c030.token@uclg.example.org".parse().unwrap())
        .to("Ana Pérez <ana@example.org>".parse().unwrap())
        .subject("Circulaire 30 : réunion de travail à Bilbao")
        .message_id(Some("<c030.m7@uclg.example.org>".into()))
        .raw_header(header(
            "List-Id",
            "Digital Cities <digital-cities.uclg.example.org>",
        ))
        .raw_header(header(
            "List-Unsubscribe",
            "<mailto:circulars+u.token@uclg.example.org>, <https://uclg.example.org/u/token>",
        ))
        .raw_header(header(
            "List-Unsubscribe-Post",
            "List-Unsubscribe=One-Click",
        ))
        .body(String::from("Chère collègue,\r\nà bientôt à Bilbao.\r\n"))
        .unwrap();
    let signer = DkimSigner::from_config(&dkim_config()).unwrap().unwrap();
    signer.sign(&mut message);
    message.formatted()
}

/// Whether python3-dkim verifies `raw` against the committed public key.
fn verifies(raw: &[u8]) -> bool {
    let public =
        std::fs::read_to_string(project_dir().join("tests/fixtures/dkim/public.txt")).unwrap();
    let script = format!(
        "import dkim, sys\n\
         record = b'v=DKIM1; k=rsa; p={}'\n\
         def dns(name, timeout=5):\n    \
             return record if name == b'circ2026._domainkey.uclg.example.org.' else b''\n\
         sys.exit(0 if dkim.verify(sys.stdin.buffer.read(), dnsfunc=dns) else 1)\n",
        public.trim()
    );
    let mut child = Command::new("/usr/bin/python3")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .spawn()
        .expect("/usr/bin/python3 with python3-dkim");
    child.stdin.take().unwrap().write_all(raw).unwrap();
    child.wait().unwrap().success()
}

#[test]
fn a_signed_message_verifies_with_the_public_key_and_a_changed_one_does_not() {
    let raw = signed_message();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("DKIM-Signature: ") || text.contains("\r\nDKIM-Signature: "));
    let signed = text
        .split("DKIM-Signature:")
        .nth(1)
        .and_then(|value| {
            value
                .split(';')
                .find_map(|tag| tag.trim().strip_prefix("h="))
        })
        .unwrap_or_default()
        .to_ascii_lowercase();
    for name in [
        "from",
        "subject",
        "message-id",
        "list-id",
        "list-unsubscribe",
        "reply-to",
    ] {
        assert!(
            signed.split(':').any(|h| h == name),
            "{name} not in h={signed}"
        );
    }
    assert!(verifies(&raw), "python3-dkim refused the signature");
    let changed = text.replace("Bilbao.", "Bilbo.");
    assert_ne!(changed, text);
    assert!(
        !verifies(changed.as_bytes()),
        "a changed body still verified"
    );
}

#[tokio::test]
async fn a_signed_message_still_verifies_after_an_smtp_trip() {
    let server = SmtpServer::start();
    let mut config = dkim_config();
    config.smtp.transport = config::Transport::Smtp;
    config.smtp.port = server.port;
    let transport = Transport::with_password(&config, None).unwrap();
    let raw = signed_message();
    transport
        .send(&Outgoing {
            envelope_from: "circulars+c030.token@uclg.example.org",
            to: "ana@example.org",
            message_id: "c030.m7@uclg.example.org",
            raw: &raw,
        })
        .await
        .unwrap();
    let kept = server.wait_for(1);
    assert!(verifies(&kept[0].raw));
}

#[test]
fn a_key_file_that_does_not_parse_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken-dkim.pem");
    std::fs::write(&path, "this is not a key\n").unwrap();
    let mut config = dkim_config();
    config.dkim.key_file = path.display().to_string();
    let err = DkimSigner::from_config(&config).unwrap_err().to_string();
    assert!(err.contains("broken-dkim.pem"), "{err}");
    config.dkim.key_file = dir.path().join("missing.pem").display().to_string();
    let err = DkimSigner::from_config(&config).unwrap_err().to_string();
    assert!(err.contains("missing.pem"), "{err}");
}

#[test]
fn no_dkim_settings_means_no_signer() {
    assert!(
        DkimSigner::from_config(&Config::default())
            .unwrap()
            .is_none()
    );
}
