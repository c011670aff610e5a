//! The text of an attached document, for the reader of replies (a registration form filled
//! in and attached): Word (`.docx`) and OpenDocument (`.odt`) through `zip` and
//! `quick-xml`, PDF through `pdf-extract`, plain text as it is. Paragraphs end lines and
//! table cells are separated by a tab, as in HTML mail turned into text. Anything that
//! cannot be read (an old binary `.doc`, a scanned or broken PDF) gives no text, never an
//! error: the attachment is still noted.

use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::Event;

/// Documents larger than this are not read (a form is a few pages).
const MAX_SIZE: usize = 10 * 1024 * 1024;
/// Text kept of a document, at most.
const MAX_TEXT: usize = 64 * 1024;

/// What kind of document an attachment is, by its name, else its content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Docx,
    Odt,
    Pdf,
    Text,
}

fn kind(name: Option<&str>, content_type: &str) -> Option<Kind> {
    let name = name.unwrap_or_default().to_ascii_lowercase();
    let by_name = [
        (".docx", Kind::Docx),
        (".odt", Kind::Odt),
        (".pdf", Kind::Pdf),
        (".txt", Kind::Text),
    ]
    .into_iter()
    .find_map(|(ext, kind)| name.ends_with(ext).then_some(kind));
    by_name.or(match content_type {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
            Some(Kind::Docx)
        }
        "application/vnd.oasis.opendocument.text" => Some(Kind::Odt),
        "application/pdf" => Some(Kind::Pdf),
        "text/plain" => Some(Kind::Text),
        _ => None,
    })
}

/// The text of the attachment `name` of `content_type`, when it is a document that can be
/// read.
pub fn text_of(name: Option<&str>, content_type: &str, bytes: &[u8]) -> Option<String> {
    if bytes.len() > MAX_SIZE {
        return None;
    }
    let text = match kind(name, content_type)? {
        Kind::Docx => xml_text(&zip_entry(bytes, "word/document.xml")?, &DOCX),
        Kind::Odt => xml_text(&zip_entry(bytes, "content.xml")?, &ODT),
        Kind::Pdf => pdf_text(bytes)?,
        Kind::Text => String::from_utf8_lossy(bytes).into_owned(),
    };
    let text = text.trim();
    (!text.is_empty()).then(|| truncated(text))
}

fn truncated(text: &str) -> String {
    let mut end = text.len().min(MAX_TEXT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

fn zip_entry(bytes: &[u8], path: &str) -> Option<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let entry = archive.by_name(path).ok()?;
    let mut xml = Vec::new();
    // A zip bomb stops at the limit.
    entry.take(MAX_SIZE as u64).read_to_end(&mut xml).ok()?;
    Some(xml)
}

/// Which elements of a format's XML carry text, end a line, or separate cells.
struct Markup {
    /// The element whose text is the document's (`w:t`); `None`: all text counts.
    text: Option<&'static str>,
    lines: &'static [&'static str],
    cells: &'static [&'static str],
    rows: &'static [&'static str],
    tabs: &'static [&'static str],
}

const DOCX: Markup = Markup {
    text: Some("w:t"),
    lines: &["w:p", "w:br", "w:cr"],
    cells: &["w:tc"],
    rows: &["w:tr"],
    tabs: &["w:tab"],
};

const ODT: Markup = Markup {
    text: None,
    lines: &["text:p", "text:h", "text:line-break", "text:list-item"],
    cells: &["table:table-cell"],
    rows: &["table:table-row"],
    tabs: &["text:tab"],
};

/// The text of a document's XML: the text of its runs, a line per paragraph and per table
/// row, a tab between table cells (a paragraph inside a cell is a space).
fn xml_text(xml: &[u8], markup: &Markup) -> String {
    let mut reader = Reader::from_reader(xml);
    let mut out = String::new();
    let (mut inside_text, mut inside_cell) = (0usize, 0usize);
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(start)) => {
                let name = start.name().into_inner();
                if Some(name) == markup.text {
                    inside_text += 1;
                } else if markup.cells.contains(&name) {
                    inside_cell += 1;
                }
            }
            Ok(Event::Empty(empty)) => {
                let name = empty.name().into_inner();
                if markup.tabs.contains(&name) {
                    out.push('\t');
                } else if markup.lines.contains(&name) {
                    out.push(if inside_cell > 0 { ' ' } else { '\n' });
                } else if name == "text:s" {
                    out.push(' ');
                }
            }
            Ok(Event::End(end)) => {
                let name = end.name().into_inner();
                if Some(name) == markup.text {
                    inside_text = inside_text.saturating_sub(1);
                } else if markup.cells.contains(&name) {
                    inside_cell = inside_cell.saturating_sub(1);
                    let cell = out.trim_end_matches(' ').len();
                    out.truncate(cell);
                    out.push('\t');
                } else if markup.rows.contains(&name) {
                    out.push('\n');
                } else if markup.lines.contains(&name) {
                    out.push(if inside_cell > 0 { ' ' } else { '\n' });
                }
            }
            Ok(Event::Text(text)) if markup.text.is_none() || inside_text > 0 => {
                out.push_str(&text.xml10_content());
            }
            Ok(Event::GeneralRef(reference)) if markup.text.is_none() || inside_text > 0 => {
                if let Ok(Some(c)) = reference.resolve_char_ref() {
                    out.push(c);
                } else {
                    out.push_str(match reference.into_inner().as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
        buf.clear();
    }
    tidy(&out)
}

/// Lines without trailing blanks, and no run of empty lines.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut empty = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            empty += 1;
            if empty > 1 {
                continue;
            }
        } else {
            empty = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The text of a PDF. pdf-extract panics on some malformed files: a panic is no text.
fn pdf_text(bytes: &[u8]) -> Option<String> {
    std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes))
        .ok()?
        .ok()
        .map(|t| tidy(&t))
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zipped(path: &str, xml: &str) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut out);
        writer
            .start_file(path, zip::write::SimpleFileOptions::default())
            .unwrap();
        writer.write_all(xml.as_bytes()).unwrap();
        writer.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn a_word_form_gives_its_paragraphs_and_cells() {
        let xml = r#"<?xml version="1.0"?><w:document xmlns:w="x"><w:body>
            <w:p><w:r><w:t>Nom :</w:t></w:r><w:r><w:tab/><w:t>Claire Martin</w:t></w:r></w:p>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>Fonction</w:t></w:r></w:p></w:tc>
            <w:tc><w:p><w:r><w:t>Adjointe &amp; conseill&#232;re</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
            </w:body></w:document>"#;
        let text = text_of(
            Some("Formulaire.DOCX"),
            "application/octet-stream",
            &zipped("word/document.xml", xml),
        )
        .unwrap();
        assert!(text.contains("Nom :\tClaire Martin\n"), "{text:?}");
        assert!(
            text.ends_with("Fonction\tAdjointe & conseillère"),
            "{text:?}"
        );
        assert!(!text.contains("w:"), "{text:?}");
    }

    #[test]
    fn an_opendocument_form_gives_its_paragraphs() {
        let xml = r#"<?xml version="1.0"?><office:document-content xmlns:office="o" xmlns:text="t"><office:body><office:text>
            <text:p>Nombre:<text:tab/>Ana García</text:p><text:p>Cargo:<text:s/>Teniente de alcaldesa</text:p>
            </office:text></office:body></office:document-content>"#;
        let text = text_of(Some("inscripcion.odt"), "", &zipped("content.xml", xml)).unwrap();
        assert!(text.contains("Nombre:\tAna García\n"), "{text:?}");
        assert!(text.contains("Cargo: Teniente de alcaldesa"), "{text:?}");
    }

    #[test]
    fn what_cannot_be_read_gives_no_text() {
        assert_eq!(text_of(Some("form.docx"), "", b"not a zip"), None);
        assert_eq!(
            text_of(Some("form.pdf"), "application/pdf", b"%PDF-1.4 broken"),
            None
        );
        assert_eq!(
            text_of(Some("form.doc"), "application/msword", b"\xd0\xcf\x11\xe0"),
            None
        );
        assert_eq!(text_of(Some("photo.jpg"), "image/jpeg", b"\xff\xd8"), None);
    }
}
