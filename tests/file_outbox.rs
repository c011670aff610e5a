//! The file transport (the default): `<[data] dir>/outbox/<Message-ID>.eml`, written
//! atomically, one file per Message-ID however often it is sent.

use circulars::config::Config;
use circulars::mail::{Outgoing, SendError, Transport};

fn config_in(dir: &std::path::Path) -> Config {
    let mut config = Config::default();
    config.data.dir = dir.join("data");
    config
}

fn outgoing<'a>(message_id: &'a str, raw: &'a [u8]) -> Outgoing<'a> {
    Outgoing {
        envelope_from: "circulars+c030.token@uclg.example.org",
        to: "ana@example.org",
        message_id,
        raw,
    }
}

fn names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn the_default_transport_writes_one_file_per_message_id_and_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let transport = Transport::from_config(&config_in(dir.path())).unwrap();
    assert!(matches!(transport, Transport::File(_)));
    let id = "circular-030.member-12@uclg.example.org";
    transport
        .send(&outgoing(id, b"Subject: first\r\n\r\nfirst try\r\n"))
        .await
        .unwrap();
    // A resend after a crash carries the same Message-ID: it replaces the file.
    transport
        .send(&outgoing(id, b"Subject: again\r\n\r\nsecond try\r\n"))
        .await
        .unwrap();
    let outbox = dir.path().join("data/outbox");
    assert_eq!(names(&outbox), vec![format!("{id}.eml")]);
    assert_eq!(
        std::fs::read(outbox.join(format!("{id}.eml"))).unwrap(),
        b"Subject: again\r\n\r\nsecond try\r\n"
    );
}

#[tokio::test]
async fn a_message_id_that_is_not_a_safe_file_name_stays_inside_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let transport = Transport::from_config(&config_in(dir.path())).unwrap();
    transport
        .send(&outgoing(
            "../../escape/<x>@example.org",
            b"Subject: x\r\n\r\nx\r\n",
        ))
        .await
        .unwrap();
    let outbox = dir.path().join("data/outbox");
    assert_eq!(names(&outbox), vec!["_.._.._escape__x_@example.org.eml"]);
    assert_eq!(names(&dir.path().join("data")), vec!["outbox"]);
}

#[tokio::test]
async fn an_outbox_that_cannot_be_written_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    // `data` is a file, so `data/outbox` can never be made.
    std::fs::write(dir.path().join("data"), "not a folder").unwrap();
    let transport = Transport::from_config(&config_in(dir.path())).unwrap();
    let err = transport
        .send(&outgoing("m1@example.org", b"Subject: x\r\n\r\nx\r\n"))
        .await
        .unwrap_err();
    assert!(matches!(err, SendError::Unavailable(_)), "{err}");
}
