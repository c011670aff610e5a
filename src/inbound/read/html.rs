//! HTML turned into readable text: paragraphs and line breaks kept, list items as `- `,
//! table cells separated by a tab, `<blockquote>` lines prefixed with `> ` (so quoted
//! text reads as quoted), entities decoded, no tags, styles or scripts.

mod entities;

/// Elements whose content is never text.
const HIDDEN: [&str; 6] = ["head", "style", "script", "template", "title", "xml"];

/// Elements that begin and end a line.
const BLOCKS: [&str; 24] = [
    "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "tr", "pre", "hr",
    "section", "article", "header", "footer", "address", "dd", "dt", "dl", "center", "form",
];

/// The readable text of an HTML document or fragment.
pub fn html_to_text(html: &str) -> String {
    let mut out = Writer::default();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.text(&rest[..open]);
        rest = &rest[open..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let Some(close) = rest.find('>') else {
            out.text(rest);
            rest = "";
            break;
        };
        let tag = Tag::parse(&rest[1..close]);
        rest = &rest[close + 1..];
        if !tag.closing && HIDDEN.contains(&tag.name.as_str()) {
            rest = skip_element(rest, &tag.name);
            continue;
        }
        out.tag(&tag);
    }
    out.text(rest);
    out.finish()
}

/// What follows the end tag of `name` (or nothing when it is never closed).
fn skip_element<'a>(rest: &'a str, name: &str) -> &'a str {
    let lower = rest.to_ascii_lowercase();
    let end = format!("</{name}");
    match lower.find(&end) {
        Some(at) => rest[at..].find('>').map_or("", |gt| &rest[at + gt + 1..]),
        None => "",
    }
}

struct Tag {
    name: String,
    closing: bool,
}

impl Tag {
    fn parse(inside: &str) -> Tag {
        let inside = inside.trim_start();
        let (closing, inside) = match inside.strip_prefix('/') {
            Some(rest) => (true, rest.trim_start()),
            None => (false, inside),
        };
        let name = inside
            .split(|c: char| c.is_whitespace() || c == '/' || c == '>')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        Tag { name, closing }
    }
}

/// Builds the text line by line, so quote prefixes and blank lines come out right.
#[derive(Default)]
struct Writer {
    lines: Vec<String>,
    line: String,
    /// How many `<blockquote>` elements are open.
    quote: usize,
    /// Inside `<pre>`: whitespace is kept.
    pre: usize,
    /// A cell of the current table row was written.
    cell: bool,
    /// Where the open cell's text began on the line, while the cell is short: paragraphs
    /// and breaks inside it (Outlook writes a `<p>` in every cell) keep a table's row on
    /// its line. A long cell is a layout's, whose paragraphs stay lines.
    cell_start: Option<usize>,
}

/// The most text a table's data cell holds before its paragraphs count as lines.
const SHORT_CELL: usize = 120;

impl Writer {
    fn text(&mut self, raw: &str) {
        if raw.is_empty() {
            return;
        }
        let decoded = entities::decode(raw);
        if self.pre > 0 {
            let mut parts = decoded.split('\n');
            if let Some(first) = parts.next() {
                self.line.push_str(first);
            }
            for part in parts {
                self.end_line();
                self.line.push_str(part);
            }
            return;
        }
        for (i, word) in decoded.split_whitespace().enumerate() {
            let space_before = i > 0 || decoded.starts_with(char::is_whitespace);
            if space_before && !self.line.is_empty() && !self.line.ends_with([' ', '\t']) {
                self.line.push(' ');
            }
            self.line.push_str(word);
        }
        if decoded.ends_with(char::is_whitespace) && !self.line.is_empty() {
            self.line.push(' ');
        }
    }

    fn tag(&mut self, tag: &Tag) {
        let name = tag.name.as_str();
        let block = name == "br" || name == "li" || BLOCKS.contains(&name);
        if let (Some(start), true) = (self.cell_start, block && !matches!(name, "tr" | "table")) {
            if self.line.len() - start <= SHORT_CELL {
                if !self.line.is_empty() && !self.line.ends_with([' ', '\t']) {
                    self.line.push(' ');
                }
                return;
            }
            self.cell_start = None;
        }
        match (name, tag.closing) {
            ("br", _) => self.end_line(),
            ("blockquote", false) => {
                self.break_block();
                self.quote += 1;
            }
            ("blockquote", true) => {
                self.break_block();
                self.quote = self.quote.saturating_sub(1);
            }
            ("li", false) => {
                self.break_line();
                self.line.push_str("- ");
            }
            ("td" | "th", false) => {
                if self.cell {
                    let kept = self.line.trim_end_matches(' ').len();
                    self.line.truncate(kept);
                    self.line.push('\t');
                }
                self.cell = true;
                self.cell_start = Some(self.line.len());
            }
            ("td" | "th", true) => self.cell_start = None,
            ("tr" | "table", _) => {
                self.cell = false;
                self.cell_start = None;
                self.break_line();
            }
            ("pre", false) => {
                self.break_block();
                self.pre += 1;
            }
            ("pre", true) => {
                self.pre = self.pre.saturating_sub(1);
                self.break_block();
            }
            ("p", _) | ("h1" | "h2" | "h3" | "h4" | "h5" | "h6", _) => self.break_block(),
            _ if BLOCKS.contains(&name) => self.break_line(),
            _ => {}
        }
    }

    /// Ends the current line unless it is empty.
    fn break_line(&mut self) {
        if !self.line.trim().is_empty() {
            self.end_line();
        } else {
            self.line.clear();
        }
    }

    /// Ends the current line and leaves one blank line.
    fn break_block(&mut self) {
        self.break_line();
        if self
            .lines
            .last()
            .is_some_and(|l| !l.trim_start_matches('>').trim().is_empty())
        {
            self.lines.push(self.prefix());
        }
    }

    fn end_line(&mut self) {
        let line = std::mem::take(&mut self.line);
        let line = format!("{}{}", self.prefix(), line.trim_end());
        self.lines.push(line);
    }

    fn prefix(&self) -> String {
        "> ".repeat(self.quote)
    }

    fn finish(mut self) -> String {
        self.break_line();
        let blank = |line: &str| line.trim_start_matches(['>', ' ']).is_empty();
        let mut kept: Vec<&str> = Vec::with_capacity(self.lines.len());
        for line in &self.lines {
            let line = line.trim_end();
            let after_blank = kept.last().is_none_or(|last| blank(last));
            if !(blank(line) && after_blank) {
                kept.push(line);
            }
        }
        while kept.last().is_some_and(|last| blank(last)) {
            kept.pop();
        }
        let mut text = kept.join("\n");
        if !text.is_empty() {
            text.push('\n');
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::html_to_text;

    #[test]
    fn paragraphs_breaks_lists_and_cells_come_out_as_lines() {
        let html = "<html><head><title>T</title><style>p{color:red}</style></head><body>\
            <p>Bonjour&nbsp;Marie,</p><p>Merci&#8239;! L&rsquo;ordre du jour&nbsp;:<br>ligne 2</p>\
            <ul><li>un</li><li>deux &amp; trois</li></ul>\
            <table><tr><td>Nom</td><td>Ville</td></tr><tr><td>Ana</td><td>Sevilla</td></tr></table>\
            <script>alert(1)</script><!-- a comment --></body></html>";
        let text = html_to_text(html);
        assert_eq!(
            text,
            "Bonjour Marie,\n\nMerci ! L\u{2019}ordre du jour :\nligne 2\n\n\
             - un\n- deux & trois\nNom\tVille\nAna\tSevilla\n"
        );
    }

    #[test]
    fn a_row_of_cells_holding_paragraphs_stays_on_its_line_but_a_layout_cell_does_not() {
        let long = "word ".repeat(40);
        let html = format!(
            "<table><tr><td><p class=MsoNormal>N\u{b0}</p></td><td><p>Apellidos y nombres</p></td></tr>\
             <tr><td><p>1</p></td><td><p>HUAM\u{c1}N ROJAS, Carlos</p><p>Lima</p></td></tr></table>\
             <table><tr><td><p>{long}</p><p>Second paragraph</p></td></tr></table>"
        );
        let text = html_to_text(&html);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "N\u{b0}\tApellidos y nombres");
        assert_eq!(lines[1], "1\tHUAM\u{c1}N ROJAS, Carlos Lima");
        assert_eq!(lines.last(), Some(&"Second paragraph"));
    }

    #[test]
    fn blockquotes_read_as_quoted_lines() {
        let html = "<div>Yes, count me in.</div><div class=\"gmail_quote\">On Mon, Jan 5, Ann wrote:\
            <blockquote><p>Will you come?</p><p>Unsubscribe here</p></blockquote></div>";
        let text = html_to_text(html);
        assert!(
            text.starts_with("Yes, count me in.\nOn Mon, Jan 5, Ann wrote:\n"),
            "{text}"
        );
        assert!(text.contains("> Will you come?\n"), "{text}");
        assert!(text.contains("> Unsubscribe here"), "{text}");
    }

    #[test]
    fn broken_html_gives_its_text_without_panicking() {
        assert_eq!(html_to_text("a < b and <b>c"), "a c\n");
        assert_eq!(html_to_text("<p>open <!-- never closed"), "open\n");
        assert_eq!(html_to_text("<style>never closed"), "");
        assert_eq!(
            html_to_text("&#xFFFFFFFF; &bogus; &#65;"),
            "\u{fffd} &bogus; A\n"
        );
    }
}
