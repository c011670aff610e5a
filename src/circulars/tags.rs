//! The tags of a Tera template (`{{ … }}`, `{% … %}`, `{# … #}`) in source order, with
//! the line each opens on. Tera's syntax tree has no positions: walking it in source order
//! alongside these tags gives each node its line.

/// One tag of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Tag {
    /// Line of the template (from 1) where the tag opens.
    pub line: usize,
    /// The first word inside a `{% %}` tag (`if`, `endfor`…); empty for `{{ }}` and `{# #}`.
    pub keyword: String,
}

/// Every tag of `source`, in order. The text of a `{% raw %}` block is skipped.
pub(super) fn scan(source: &str) -> Vec<Tag> {
    let mut tags = Vec::new();
    let mut at = 0;
    let mut in_raw = false;
    while let Some(start) = next_open(source, at) {
        let close = match &source[start..start + 2] {
            "{{" => "}}",
            "{%" => "%}",
            _ => "#}",
        };
        let end = find_close(source, start + 2, close).unwrap_or(source.len());
        let inner = &source[start + 2..end];
        let keyword = if close == "%}" {
            inner
                .trim_matches(|c: char| c == '-' || c.is_whitespace())
                .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .next()
                .unwrap_or_default()
                .to_string()
        } else {
            String::new()
        };
        at = (end + 2).min(source.len());
        if in_raw && keyword != "endraw" {
            continue;
        }
        in_raw = keyword == "raw";
        let line = source[..start].matches('\n').count() + 1;
        tags.push(Tag { line, keyword });
    }
    tags
}

fn next_open(source: &str, from: usize) -> Option<usize> {
    ["{{", "{%", "{#"]
        .iter()
        .filter_map(|open| source.get(from..)?.find(open).map(|i| from + i))
        .min()
}

/// The end of a tag, skipping string literals (which may hold `}}` or `%}`).
fn find_close(source: &str, from: usize, close: &str) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut i = from;
    let mut quote: Option<u8> = None;
    while i + 1 < bytes.len() {
        match quote {
            Some(q) if bytes[i] == q => quote = None,
            Some(_) => {}
            None if close != "#}" && matches!(bytes[i], b'"' | b'\'' | b'`') => {
                quote = Some(bytes[i]);
            }
            None if bytes[i..].starts_with(close.as_bytes()) => return Some(i),
            None => {}
        }
        i += 1;
    }
    None
}

/// The block tags that need an end tag, and that end tag.
const BLOCKS: [(&str, &str); 6] = [
    ("if", "endif"),
    ("for", "endfor"),
    ("block", "endblock"),
    ("macro", "endmacro"),
    ("filter", "endfilter"),
    ("raw", "endraw"),
];

/// The first block tag of `source` that is never closed: its keyword and line.
pub(super) fn unclosed(source: &str) -> Option<(String, usize)> {
    let mut open: Vec<&Tag> = Vec::new();
    let tags = scan(source);
    for tag in &tags {
        if BLOCKS.iter().any(|(start, _)| *start == tag.keyword) {
            open.push(tag);
        } else if let Some((start, _)) = BLOCKS.iter().find(|(_, end)| *end == tag.keyword) {
            match open.last() {
                Some(top) if top.keyword == *start => {
                    open.pop();
                }
                // A mismatched end: Tera names that one itself.
                _ => return None,
            }
        }
    }
    open.first().map(|tag| (tag.keyword.clone(), tag.line))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_found_with_their_lines_and_raw_text_is_skipped() {
        let source = "a {{ x }}\n{% if y == \"%}\" -%}\n{# note #}{% raw %}{{ no }}{% endraw %}\n{%- endif %}";
        let lines: Vec<usize> = scan(source).iter().map(|t| t.line).collect();
        assert_eq!(lines, [1, 2, 3, 3, 3, 4]);
        let keywords: Vec<String> = scan(source).into_iter().map(|t| t.keyword).collect();
        assert_eq!(keywords, ["", "if", "", "raw", "endraw", "endif"]);
    }

    #[test]
    fn the_unclosed_block_is_the_one_named() {
        let source = "{% for x in y %}\n{% endfor %}\n\n{% if a %}\n{% if b %}{% endif %}\n";
        assert_eq!(unclosed(source), Some(("if".to_string(), 4)));
        assert_eq!(unclosed("{% if a %}{% endif %}"), None);
    }
}
