//! The placeholder scheme: member values stand as `QQV<n>VQQ` while Tera, Markdown and the
//! layout run once; the result is kept as literal pieces and slots, filled per member.

/// The per-member values, in slot order.
pub(super) const SLOTS: [&str; 9] = [
    "member.name",
    "member.email",
    "member.position",
    "member.organisation",
    "member.city",
    "member.country",
    "links.register",
    "links.unsubscribe",
    "links.reply",
];
/// The first slots are member fields that may be empty; the others never are.
pub(super) const MEMBER_FIELDS: usize = 6;
/// The slot of `links.unsubscribe`.
pub(super) const UNSUBSCRIBE: usize = 7;
/// The slot of `links.reply`.
pub(super) const REPLY: usize = 8;

pub(super) fn placeholder(slot: usize) -> String {
    format!("QQV{slot}VQQ")
}

/// Literal pieces and slots: `pieces[0] slot[0] pieces[1] …`.
#[derive(Debug)]
pub(super) struct Pieces {
    literals: Vec<String>,
    slots: Vec<usize>,
}

impl Pieces {
    pub(super) fn split(text: &str) -> Pieces {
        let mut literals = Vec::new();
        let mut slots = Vec::new();
        let mut rest = text;
        while let Some(start) = rest.find("QQV") {
            let after = &rest[start + 3..];
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            let slot = digits.parse::<usize>().ok().filter(|s| *s < SLOTS.len());
            match slot {
                Some(slot) if after[digits.len()..].starts_with("VQQ") => {
                    literals.push(rest[..start].to_string());
                    slots.push(slot);
                    rest = &after[digits.len() + 3..];
                }
                _ => {
                    literals.push(rest[..start + 3].to_string());
                    slots.push(usize::MAX);
                    rest = after;
                }
            }
        }
        literals.push(rest.to_string());
        Pieces { literals, slots }
    }

    pub(super) fn fill(&self, values: &[String]) -> String {
        let mut out =
            String::with_capacity(self.literals.iter().map(String::len).sum::<usize>() + 256);
        for (literal, slot) in self.literals.iter().zip(&self.slots) {
            out.push_str(literal);
            if let Some(value) = values.get(*slot) {
                out.push_str(value);
            }
        }
        out.push_str(self.literals.last().map_or("", String::as_str));
        out
    }
}

/// Text safe in HTML content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A value for a header or display name: control characters and line breaks (those
/// `members::check_text` refuses in member fields) become spaces.
pub(super) fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_put_values_in_their_slots_and_leave_other_text_alone() {
        let pieces = Pieces::split("Dear QQV0VQQ, QQV99VQQ QQVxQQV1VQQ.");
        let values: Vec<String> = ["Ana", "ana@example.org"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            pieces.fill(&values),
            "Dear Ana, QQV99VQQ QQVxana@example.org."
        );
    }

    #[test]
    fn member_data_is_escaped_for_html_and_kept_on_one_line_for_headers() {
        assert_eq!(
            escape_html("<b>\"O'Neil\" & co</b>"),
            "&lt;b&gt;&quot;O&#39;Neil&quot; &amp; co&lt;/b&gt;"
        );
        assert_eq!(
            one_line("Hi\r\nBcc: all@example.org"),
            "Hi  Bcc: all@example.org"
        );
    }
}
