//! The bench's messages: the corpora of `tests/corpora` (whole messages, and reply bodies
//! wrapped in headers), each copy given its own Message-ID, sender, `Received:` trace and
//! date, so no two are the same message.

use std::path::Path;

/// Whole messages (`eml/`) and reply bodies (`bodies/`) of every corpus folder.
fn sources(corpora: &Path) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let mut messages = Vec::new();
    let mut bodies = Vec::new();
    let mut folders: Vec<_> = std::fs::read_dir(corpora)
        .expect("tests/corpora")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    folders.sort();
    for folder in folders {
        for (sub, into) in [("eml", &mut messages), ("bodies", &mut bodies)] {
            let Ok(entries) = std::fs::read_dir(folder.join(sub)) else {
                continue;
            };
            let mut files: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
            files.sort();
            into.extend(files.iter().filter_map(|f| std::fs::read(f).ok()));
        }
    }
    (messages, bodies)
}

/// `count` messages, alternating whole corpus messages and wrapped reply bodies.
pub fn build(corpora: &Path, count: usize) -> Vec<Vec<u8>> {
    let (messages, bodies) = sources(corpora);
    assert!(
        !messages.is_empty() && !bodies.is_empty(),
        "no corpus under {}",
        corpora.display()
    );
    (0..count)
        .map(|n| {
            let trace = trace(n);
            if n % 2 == 0 {
                let original = &messages[(n / 2) % messages.len()];
                [trace.as_bytes(), &with_message_id(original, n)].concat()
            } else {
                let body = &bodies[(n / 2) % bodies.len()];
                [trace.as_bytes(), &wrapped(body, n)].concat()
            }
        })
        .collect()
}

fn trace(n: usize) -> String {
    format!(
        "Return-Path: <member{n}@example.net>\nReceived: from mx{}.example.net (mx [192.0.2.{}]) \
         by mail.example.org with ESMTPS id {n:x}; Tue, {} Mar 2026 {:02}:{:02}:{:02} +0100\n",
        n % 7,
        n % 250,
        1 + n % 28,
        n % 24,
        n % 60,
        (n * 7) % 60
    )
}

/// The message with its Message-ID replaced by (or given) `<bench.N@example.org>`.
fn with_message_id(raw: &[u8], n: usize) -> Vec<u8> {
    let text = String::from_utf8_lossy(raw);
    let header_end = text
        .find("\n\n")
        .or_else(|| text.find("\r\n\r\n"))
        .unwrap_or(0);
    let mut out = format!("Message-ID: <bench.{n}@example.org>\n");
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let is_id = start < header_end && line.to_ascii_lowercase().starts_with("message-id:");
        if !is_id {
            out.push_str(line);
        }
        start += line.len();
    }
    out.into_bytes()
}

/// A reply body with the header fields a member's client would write.
fn wrapped(body: &[u8], n: usize) -> Vec<u8> {
    let domains = [
        "example.net",
        "example.com",
        "mairie.example.fr",
        "ayto.example.es",
    ];
    let header = format!(
        "From: Member {n} <member{n}@{}>\nTo: circulars+c030.x{n:x}@example.org\n\
         Subject: Re: Circular 30\nDate: Tue, {} Mar 2026 10:{:02}:00 +0100\n\
         Message-ID: <bench.{n}@example.org>\nIn-Reply-To: <c030.m{}@example.org>\n\
         MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\
         Content-Transfer-Encoding: 8bit\n\n",
        domains[n % domains.len()],
        1 + n % 28,
        n % 60,
        n % 500
    );
    [header.as_bytes(), body].concat()
}
