//! The mail transports against real servers on loopback: the test SMTP server
//! (`tests/servers/keeper.py`), plain, STARTTLS, implicit TLS and AUTH, and the file outbox.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use circulars::config::{self, Config, Tls};
use circulars::mail::{MailError, Outgoing, SendError, Transport};
use common::smtp::{self, Options, Security, SmtpServer};

const FROM: &str = "circulars+c030.token-12@uclg.example.org";

/// A config sending to `server` with `tls`, the test CA when `ca`, and no rate limit.
fn config_for(server: &SmtpServer, tls: Tls, ca: bool) -> Config {
    let mut config = Config::default();
    config.smtp.transport = config::Transport::Smtp;
    config.smtp.host = "127.0.0.1".into();
    config.smtp.port = server.port;
    config.smtp.tls = tls;
    config.smtp.max_per_second = 0;
    if ca {
        config.smtp.ca_file = smtp::test_ca().display().to_string();
    }
    config
}

fn transport(config: &Config) -> Transport {
    Transport::with_password(config, None).unwrap()
}

/// A message as lettre formats it, with a dot at the start of a line to be stuffed.
fn message(to: &str, message_id: &str) -> Vec<u8> {
    lettre::Message::builder()
        .from(
            "UCLG World Secretariat <circulars@uclg.example.org>"
                .parse()
                .unwrap(),
        )
        .to(to.parse().unwrap())
        .subject("Circular 30: SMART LOCAL GOVERNANCE, Bilbao")
        .message_id(Some(format!("<{message_id}>")))
        .body(String::from(
            "Dear member,\r\n.a line starting with a dot\r\nKind regards\r\n",
        ))
        .unwrap()
        .formatted()
}

async fn send(transport: &Transport, to: &str) -> Result<(), SendError> {
    let id = format!("c030.{to}");
    let raw = message(to, &id);
    transport
        .send(&Outgoing {
            envelope_from: FROM,
            to,
            message_id: &id,
            raw: &raw,
        })
        .await
}

#[tokio::test]
async fn plain_delivery_keeps_the_message_byte_for_byte_with_its_envelope() {
    let server = SmtpServer::start();
    let transport = transport(&config_for(&server, Tls::None, false));
    let raw = message("alice@example.org", "c030.m1@uclg.example.org");
    let outgoing = Outgoing {
        envelope_from: FROM,
        to: "alice@example.org",
        message_id: "c030.m1@uclg.example.org",
        raw: &raw,
    };
    transport.send(&outgoing).await.unwrap();
    let kept = server.wait_for(1);
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].raw, raw, "the message arrives byte for byte");
    assert_eq!(kept[0].mail_from, FROM);
    assert_eq!(kept[0].rcpt_tos, vec!["alice@example.org".to_string()]);
    assert_eq!(
        kept[0].parsed().message_id(),
        Some("c030.m1@uclg.example.org")
    );
}

#[tokio::test]
async fn lines_starting_with_a_dot_arrive_as_they_were_written() {
    let server = SmtpServer::start();
    let transport = transport(&config_for(&server, Tls::None, false));
    let mut raw = message("dots@example.org", "c030.dots@uclg.example.org");
    raw.extend_from_slice(b".\r\n..\r\n.x\r\nx.\r\n\r\n.\r\n. \r\nend\r\n");
    let outgoing = Outgoing {
        envelope_from: FROM,
        to: "dots@example.org",
        message_id: "c030.dots@uclg.example.org",
        raw: &raw,
    };
    transport.send(&outgoing).await.unwrap();
    let kept = server.wait_for(1);
    assert_eq!(
        kept[0].raw, raw,
        "dot-stuffed on the wire, unstuffed by the server"
    );
}

#[tokio::test]
async fn starttls_and_implicit_tls_deliver_with_the_ca_file_and_auth_inside() {
    for (security, tls) in [
        (Security::StartTls, Tls::Starttls),
        (Security::Smtps, Tls::Tls),
    ] {
        let server = SmtpServer::start_with(Options {
            security,
            auth: true,
            ..Options::default()
        });
        let mut config = config_for(&server, tls, true);
        config.smtp.username = smtp::USER.into();
        let transport = Transport::with_password(&config, Some(smtp::PASSWORD.into())).unwrap();
        send(&transport, "bob@example.org").await.unwrap();
        let kept = server.wait_for(1);
        assert_eq!(kept.len(), 1, "{tls:?}");
        assert!(kept[0].tls, "{tls:?}: the message went over TLS");
        assert_eq!(kept[0].auth.as_deref(), Some(smtp::USER), "{tls:?}");
    }
}

#[tokio::test]
async fn tls_without_the_ca_file_is_unavailable_and_sends_nothing() {
    for (security, tls) in [
        (Security::StartTls, Tls::Starttls),
        (Security::Smtps, Tls::Tls),
    ] {
        let server = SmtpServer::start_with(Options {
            security,
            ..Options::default()
        });
        let transport = transport(&config_for(&server, tls, false));
        let err = send(&transport, "bob@example.org").await.unwrap_err();
        assert!(
            matches!(err, SendError::Unavailable(ref m) if m.contains("certificate")),
            "{tls:?}: {err}"
        );
        assert!(server.kept().is_empty());
    }
}

#[tokio::test]
async fn starttls_is_never_skipped_when_the_server_does_not_offer_it() {
    let server = SmtpServer::start();
    let transport = transport(&config_for(&server, Tls::Starttls, true));
    let err = send(&transport, "bob@example.org").await.unwrap_err();
    assert!(matches!(err, SendError::Unavailable(_)), "{err}");
    assert!(server.kept().is_empty());
}

#[tokio::test]
async fn auth_delivers_with_the_right_password_and_is_unavailable_with_a_wrong_one() {
    let server = SmtpServer::start_with(Options {
        auth: true,
        ..Options::default()
    });
    let mut config = config_for(&server, Tls::None, false);
    config.smtp.username = smtp::USER.into();
    let right = Transport::with_password(&config, Some(smtp::PASSWORD.into())).unwrap();
    send(&right, "carol@example.org").await.unwrap();
    let kept = server.wait_for(1);
    assert_eq!(kept[0].auth.as_deref(), Some(smtp::USER));

    let wrong = Transport::with_password(&config, Some("not-the-password".into())).unwrap();
    let err = send(&wrong, "dave@example.org").await.unwrap_err();
    assert!(
        matches!(err, SendError::Unavailable(ref m) if m.contains("AUTH")),
        "{err}"
    );
    assert_eq!(server.kept().len(), 1);

    let missing = Transport::with_password(&config, None).unwrap_err();
    assert!(matches!(missing, MailError::MissingPassword), "{missing}");
}

#[tokio::test]
async fn a_451_is_transient_and_a_550_is_permanent_with_the_reply() {
    let server = SmtpServer::start();
    let transport = transport(&config_for(&server, Tls::None, false));
    let err = send(&transport, "451-erin@example.org").await.unwrap_err();
    assert!(
        matches!(err, SendError::Transient(ref m) if m.starts_with("451")),
        "{err}"
    );
    let err = send(&transport, "550-frank@example.org").await.unwrap_err();
    match err {
        SendError::Permanent(reply) => {
            assert!(reply.starts_with("550"), "{reply}");
            assert!(reply.contains("No such user here"), "{reply}");
        }
        other => panic!("expected a permanent failure, got {other:?}"),
    }
    // The connection dropped after each failure; the next message goes through.
    send(&transport, "grace@example.org").await.unwrap();
    let kept = server.wait_for(1);
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].rcpt_tos, vec!["grace@example.org".to_string()]);
}

#[tokio::test]
async fn a_421_and_a_connection_dropped_in_data_are_transient() {
    let server = SmtpServer::start();
    let transport = transport(&config_for(&server, Tls::None, false));
    let err = send(&transport, "421-heidi@example.org").await.unwrap_err();
    assert!(
        matches!(err, SendError::Transient(ref m) if m.starts_with("421")),
        "{err}"
    );
    let err = send(&transport, "drop-ivan@example.org").await.unwrap_err();
    assert!(matches!(err, SendError::Transient(_)), "{err}");
    send(&transport, "judy@example.org").await.unwrap();
    assert_eq!(server.wait_for(1).len(), 1);
}

#[tokio::test]
async fn a_recipient_failing_the_first_two_times_is_accepted_the_third() {
    let server = SmtpServer::start();
    let transport = transport(&config_for(&server, Tls::None, false));
    for _ in 0..2 {
        let err = send(&transport, "451x2-ken@example.org").await.unwrap_err();
        assert!(matches!(err, SendError::Transient(_)), "{err}");
    }
    send(&transport, "451x2-ken@example.org").await.unwrap();
    assert_eq!(server.wait_for(1).len(), 1);
}

#[tokio::test]
async fn a_server_that_is_not_running_is_unavailable() {
    let mut config = Config::default();
    config.smtp.transport = config::Transport::Smtp;
    config.smtp.host = "127.0.0.1".into();
    config.smtp.port = smtp::free_port();
    let err = send(&transport(&config), "leo@example.org")
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Unavailable(_)), "{err}");
}

#[tokio::test]
async fn a_pooled_connection_lost_to_a_server_restart_is_replaced_without_a_failure() {
    let mut server = SmtpServer::start();
    let transport = transport(&config_for(&server, Tls::None, false));
    send(&transport, "mallory@example.org").await.unwrap();
    server.restart();
    send(&transport, "niaj@example.org").await.unwrap();
    assert_eq!(server.wait_for(2).len(), 2);
}

#[tokio::test]
async fn two_hundred_messages_through_four_connections_all_arrive() {
    let server = SmtpServer::start();
    let mut config = config_for(&server, Tls::None, false);
    config.smtp.concurrency = 4;
    let transport = Arc::new(transport(&config));
    assert_eq!(transport.concurrency(), 4);
    let tasks: Vec<_> = (0..200)
        .map(|n| {
            let transport = transport.clone();
            tokio::spawn(async move { send(&transport, &format!("member-{n}@example.org")).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let kept = server.wait_for(200);
    let mut recipients: Vec<String> = kept.iter().flat_map(|k| k.rcpt_tos.clone()).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 200, "every member got exactly one");
    let mut peers: Vec<&str> = kept.iter().map(|k| k.peer.as_str()).collect();
    peers.sort();
    peers.dedup();
    assert!(peers.len() <= 4, "{} connections were used", peers.len());
}

#[tokio::test]
async fn max_per_second_holds_across_connections() {
    let server = SmtpServer::start();
    let mut config = config_for(&server, Tls::None, false);
    config.smtp.concurrency = 4;
    config.smtp.max_per_second = 20;
    let transport = Arc::new(transport(&config));
    let started = Instant::now();
    let tasks: Vec<_> = (0..100)
        .map(|n| {
            let transport = transport.clone();
            tokio::spawn(async move { send(&transport, &format!("m{n}@example.org")).await })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500).saturating_sub(started.elapsed())).await;
    let count = server.kept().len();
    for task in &tasks {
        task.abort();
    }
    // 20/s for 1.5 s is about 31 messages; loosely bounded both ways.
    assert!(count <= 40, "{count} messages in 1.5 s at 20/s");
    assert!(count >= 10, "only {count} messages in 1.5 s at 20/s");
}

#[tokio::test]
async fn a_ca_file_that_cannot_be_read_is_named() {
    let server = SmtpServer::start();
    let mut config = config_for(&server, Tls::Starttls, false);
    config.smtp.ca_file = "/nonexistent/company-ca.pem".into();
    let err = Transport::with_password(&config, None).unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/company-ca.pem"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    config.smtp.ca_file = empty.display().to_string();
    let err = Transport::with_password(&config, None).unwrap_err();
    assert!(err.to_string().contains("empty.pem"), "{err}");
}
