//! A circular's Markdown, once rendered by Tera, as mail HTML (inline styles, since many
//! clients drop `<style>`) and as plain text that reads well on its own.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd, html};

/// Inline styles for the tags Markdown produces.
const STYLES: &[(&str, &str)] = &[
    ("<p>", "<p style=\"margin:0 0 14px 0;line-height:1.5;\">"),
    (
        "<h1>",
        "<h1 style=\"font-size:22px;margin:0 0 14px 0;color:#00528a;\">",
    ),
    (
        "<h2>",
        "<h2 style=\"font-size:19px;margin:0 0 12px 0;color:#00528a;\">",
    ),
    (
        "<h3>",
        "<h3 style=\"font-size:16px;margin:0 0 10px 0;color:#00528a;\">",
    ),
    (
        "<ul>",
        "<ul style=\"margin:0 0 14px 0;padding-left:24px;line-height:1.5;\">",
    ),
    (
        "<ol>",
        "<ol style=\"margin:0 0 14px 0;padding-left:24px;line-height:1.5;\">",
    ),
    ("<a href=", "<a style=\"color:#00528a;\" href="),
];

fn parser(markdown: &str) -> Parser<'_> {
    Parser::new_ext(
        markdown,
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES,
    )
}

/// The body as HTML with inline styles.
pub fn to_html(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, parser(markdown));
    for (tag, styled) in STYLES {
        out = out.replace(tag, styled);
    }
    out
}

/// The body as plain text: paragraphs, numbered and bulleted lists, and each link's text
/// followed by a number `[n]`, with the addresses listed at the end under `links_title`.
pub fn to_text(markdown: &str, links_title: &str) -> String {
    let mut writer = TextWriter::default();
    for event in parser(markdown) {
        writer.event(event);
    }
    writer.finish(links_title)
}

#[derive(Default)]
struct TextWriter {
    out: String,
    /// For each open list: the next number, or `None` for bullets.
    lists: Vec<Option<u64>>,
    links: Vec<String>,
    /// The open link's address and where its text starts.
    link: Option<(String, usize)>,
}

impl TextWriter {
    fn blank_line(&mut self) {
        while self.out.ends_with("\n\n\n") {
            self.out.pop();
        }
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.out.push_str(if self.out.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            });
        }
    }

    fn newline(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(Tag::Paragraph) if self.lists.is_empty() => self.blank_line(),
            Event::End(TagEnd::Paragraph) => self.newline(),
            Event::Start(Tag::Heading { .. }) => self.blank_line(),
            Event::End(TagEnd::Heading(level)) => {
                let title_len = self.out.lines().last().map_or(0, |l| l.chars().count());
                let rule = if level == HeadingLevel::H1 { '=' } else { '-' };
                self.out.push('\n');
                self.out.extend(std::iter::repeat_n(rule, title_len));
                self.out.push('\n');
            }
            Event::Start(Tag::List(first)) => {
                if self.lists.is_empty() {
                    self.blank_line();
                } else {
                    self.newline();
                }
                self.lists.push(first);
            }
            Event::End(TagEnd::List(_)) => {
                self.lists.pop();
                self.newline();
            }
            Event::Start(Tag::Item) => {
                self.newline();
                let depth = self.lists.len().saturating_sub(1);
                self.out.push_str(&"   ".repeat(depth));
                let marker = match self.lists.last_mut() {
                    Some(Some(n)) => {
                        *n += 1;
                        format!("{}. ", *n - 1)
                    }
                    _ => "- ".to_string(),
                };
                self.out.push_str(&marker);
            }
            Event::End(TagEnd::Item) => self.newline(),
            Event::Start(Tag::Link { dest_url, .. }) => {
                self.link = Some((dest_url.to_string(), self.out.len()));
            }
            Event::End(TagEnd::Link) => {
                if let Some((url, start)) = self.link.take() {
                    let shown = &self.out[start..];
                    let bare = url.strip_prefix("mailto:").unwrap_or(&url);
                    // A link whose text is its address needs no footnote.
                    if shown != url && shown != bare {
                        let n = match self.links.iter().position(|l| l == &url) {
                            Some(i) => i + 1,
                            None => {
                                self.links.push(url);
                                self.links.len()
                            }
                        };
                        self.out.push_str(&format!(" [{n}]"));
                    }
                }
            }
            Event::Text(text) | Event::Code(text) => self.out.push_str(&text),
            Event::SoftBreak | Event::HardBreak => {
                self.out.push('\n');
                let depth = self.lists.len();
                self.out.push_str(&"   ".repeat(depth));
            }
            Event::Rule => {
                self.blank_line();
                self.out
                    .push_str("----------------------------------------\n");
            }
            _ => {}
        }
    }

    fn finish(mut self, links_title: &str) -> String {
        if !self.links.is_empty() {
            self.blank_line();
            self.out.push_str(links_title);
            self.out.push('\n');
            for (i, url) in self.links.iter().enumerate() {
                self.out.push_str(&format!("[{}] {url}\n", i + 1));
            }
        }
        let trimmed = self.out.trim_end().to_string();
        trimmed + "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_numbers_lists_and_lists_links_at_the_end() {
        let md = "## Title\n\nSee [the programme](https://example.org/p) and <https://example.org/raw>.\n\n1. One\n2. Two\n\n- a\n- b\n";
        let text = to_text(md, "Links:");
        assert_eq!(
            text,
            "Title\n-----\n\nSee the programme [1] and https://example.org/raw.\n\n1. One\n2. Two\n\n- a\n- b\n\nLinks:\n[1] https://example.org/p\n"
        );
    }

    #[test]
    fn html_has_inline_styles() {
        let html = to_html("Hello [x](https://example.org)\n");
        assert!(html.starts_with("<p style="), "{html}");
        assert!(
            html.contains("<a style=\"color:#00528a;\" href=\"https://example.org\">x</a>"),
            "{html}"
        );
    }
}
