//! Personalised renders of Circular 30 across its three languages: how many members per
//! second the renderer serves, alone and with the MIME message built and serialised.
//!
//! `cargo bench --bench render`

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use circulars::circulars::message::{self, Envelope};
use circulars::circulars::{Layout, Recipient, Renderer, Settings, definition};
use circulars::locale::Language;
use circulars::members::recipients::read_committees;
use circulars::members::{EmailAddress, Member};
use circulars::tokens::Signer;

const MEMBERS: usize = 30_000;

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let templates = root.join("templates");
    let started = Instant::now();
    let circular = definition::load(
        &templates.join("circulars/030-smart-local-governance"),
        &Language::ALL,
    )
    .unwrap();
    let layout = Layout::load(&templates.join("layout")).unwrap();
    let settings = Settings {
        reply_local: "circulars".into(),
        reply_domain: "uclg.example.org".into(),
        public_url: "https://circulars.uclg.example.org".into(),
        default_language: Language::En,
    };
    let renderer = Renderer::new(
        Arc::new(circular),
        Arc::new(layout),
        settings,
        Signer::new(b"bench"),
    )
    .unwrap();
    let committee = read_committees(&root.join("recipients/committees.toml"), &Language::ALL)
        .unwrap()
        .remove(0);
    println!(
        "load and parse templates: {:.1} ms",
        started.elapsed().as_secs_f64() * 1e3
    );

    let members: Vec<Member> = (0..MEMBERS)
        .map(|i| Member {
            name: if i % 10 == 0 {
                String::new()
            } else {
                format!("Élodie Muñoz {i}")
            },
            position: "Head of Digital".into(),
            organisation: format!("City {i}"),
            city: format!("Ciudad {i}"),
            country: "ES".into(),
            language: Some(Language::ALL[i % 3]),
            ..Member::new(
                EmailAddress::parse(&format!("member{i}@city{}.example.org", i % 97)).unwrap(),
            )
        })
        .collect();

    let started = Instant::now();
    let mut bytes = 0;
    for (i, member) in members.iter().enumerate() {
        let to = Recipient {
            member_id: i as i64,
            member,
            committee: &committee,
            role: "member",
        };
        let rendered = renderer.render(to, None).unwrap();
        bytes += rendered.html.len() + rendered.text.len();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "render (subject, text, HTML): {MEMBERS} members in {seconds:.2} s = {:.0} renders/s ({:.1} KB each)",
        MEMBERS as f64 / seconds,
        bytes as f64 / MEMBERS as f64 / 1024.0
    );

    let circular = renderer.circular();
    let attachments = message::attachments(circular).unwrap();
    let started = Instant::now();
    let mut bytes = 0;
    for (i, member) in members.iter().enumerate() {
        let to = Recipient {
            member_id: i as i64,
            member,
            committee: &committee,
            role: "member",
        };
        let rendered = renderer.render(to, None).unwrap();
        let envelope = Envelope {
            from_name: "UCLG World Secretariat",
            from_address: "circulars@uclg.example.org",
            to_name: &member.name,
            to: &member.email,
            message_id: format!("circular-030.member-{i}@uclg.example.org"),
            date: SystemTime::now(),
            committee: &committee,
            list_domain: "uclg.example.org",
            in_reply_to: None,
            references: Vec::new(),
            auto_submitted: "auto-generated",
        };
        bytes += message::build(&rendered, &attachments, &envelope)
            .unwrap()
            .formatted()
            .len();
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "render + MIME message (.eml with 4 attachments): {MEMBERS} members in {seconds:.2} s = {:.0} messages/s ({:.1} KB each)",
        MEMBERS as f64 / seconds,
        bytes as f64 / MEMBERS as f64 / 1024.0
    );
}
