use super::*;

#[test]
fn placeholder_parses() {
    let parsed = parse(b"From: a@example.org\r\n\r\nhi\r\n");
    assert_eq!(parsed.read.text.trim(), "hi");
}
