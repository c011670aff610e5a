use super::*;

fn reply(body: &str) -> Read {
    let raw = format!(
        "From: Ana Pérez <ana@city.example.org>\r\nTo: circulars+c030.x@reply.example.org\r\n\
         Subject: Re: Circular 30\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    );
    crate::inbound::read::read(raw.as_bytes())
}

#[test]
fn a_plain_yes_registers_the_member() {
    let understood = understand(&reply("I will attend.\n\nBest regards,\nAna Pérez\n"));
    assert_eq!(understood.kinds, vec![ReplyKind::Registration]);
    assert!(understood.itself);
    assert!(understood.attendees.is_empty());
    assert_eq!(understood.language, Some("en"));
}
