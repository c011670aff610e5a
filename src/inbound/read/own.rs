//! The member's own words: the text before the quoted message, the quote header
//! ("On … wrote:", "Le … a écrit :"), the forwarded headers block or the signature.

use super::Read;
use super::fold::fold;

impl Read {
    /// The member's own lines of [`Read::text`]: before the first quote, quote header,
    /// original-message block or signature. When the member wrote below the quote instead,
    /// the first unquoted lines after it.
    pub fn own_text(&self) -> &str {
        let range = self.own.0.get_or_init(|| {
            let own = own_text(&self.text);
            let start = own.as_ptr() as usize - self.text.as_ptr() as usize;
            start..start + own.len()
        });
        &self.text[range.clone()]
    }
}

fn own_text(text: &str) -> &str {
    let lines: Vec<(usize, &str)> = line_offsets(text).collect();
    let cut = cut_index(&lines).unwrap_or(lines.len());
    let own = slice(text, &lines, 0, cut);
    if !own.trim().is_empty() || cut == lines.len() {
        return own;
    }
    // Bottom-posting: skip the quote, keep what follows until the next cut.
    let after_quote = (cut..lines.len())
        .find(|&i| {
            let line = lines[i].1.trim();
            !line.is_empty() && !line.starts_with('>') && !is_attribution(&lines, i)
        })
        .unwrap_or(lines.len());
    let end = cut_index(&lines[after_quote..]).map_or(lines.len(), |c| after_quote + c);
    slice(text, &lines, after_quote, end)
}

fn line_offsets(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    text.split_inclusive('\n').map(move |line| {
        let at = start;
        start += line.len();
        (at, line.trim_end_matches(['\n', '\r']))
    })
}

fn slice<'t>(text: &'t str, lines: &[(usize, &str)], from: usize, to: usize) -> &'t str {
    let start = lines.get(from).map_or(text.len(), |l| l.0);
    let end = lines.get(to).map_or(text.len(), |l| l.0);
    &text[start..end.max(start)]
}

fn cut_index(lines: &[(usize, &str)]) -> Option<usize> {
    (0..lines.len()).find(|&i| {
        let line = lines[i].1.trim();
        line.starts_with('>')
            || line == "--"
            || lines[i].1 == "-- "
            || is_separator(line)
            || is_attribution(lines, i)
            || is_header_block(lines, i)
    })
}

/// "-----Original Message-----", "----- Message d'origine -----", Outlook's underscores.
fn is_separator(line: &str) -> bool {
    let dashes = ["---", "___", "***", "==="]
        .iter()
        .any(|d| line.starts_with(d));
    if !dashes {
        return false;
    }
    let letters = line.chars().filter(|c| c.is_alphabetic()).count();
    // A rule of dashes alone: what follows is a footer, a signature or the original.
    (letters == 0 && line.chars().all(|c| "-_*= ".contains(c))) || {
        let folded = fold(line);
        [
            "message",
            "mensaje",
            "nachricht",
            "messaggio",
            "mensagem",
            "bericht",
            "missatge",
        ]
        .iter()
        .any(|w| folded.contains(w))
    }
}

/// "On … wrote:", over one or two lines, in the usual languages.
fn is_attribution(lines: &[(usize, &str)], i: usize) -> bool {
    const ENDINGS: [&str; 14] = [
        "wrote:",
        "writes:",
        "a ecrit:",
        "escribio:",
        "schrieb:",
        "ha scritto:",
        "escreveu:",
        "schreef:",
        "va escriure:",
        "skrev:",
        "napisal:",
        "kirjoitti:",
        "ha escrit:",
        "idatzi du:",
    ];
    // Every header ends in a colon, on its line or the next, but "Begin forwarded message"
    // may not: most lines are not folded.
    let colon = |line: Option<&(usize, &str)>| line.is_some_and(|(_, l)| l.contains(':'));
    let begins = |l: &str| l.get(..5).is_some_and(|w| w.eq_ignore_ascii_case("begin"));
    if !colon(lines.get(i)) && !colon(lines.get(i + 1)) && !begins(lines[i].1.trim_start()) {
        return false;
    }
    let line = fold(lines[i].1.trim());
    if line.is_empty() || line.len() > 300 {
        return false;
    }
    let ends = |l: &str| ENDINGS.iter().any(|e| l.ends_with(e)) || names_writer(l);
    if ends(&line) || line.starts_with("begin forwarded message") {
        return true;
    }
    // "Max <max@example.org> schrieb am Fr., 28.\nApr. 2017 um 11:53 Uhr:"
    let next_ends = lines
        .get(i + 1)
        .is_some_and(|next| next.1.trim().ends_with(':') && next.1.len() < 80);
    if line.contains('@') && writes(&format!("{line} ")) && (line.ends_with(':') || next_ends) {
        return true;
    }
    let opener = ["on ", "le ", "el ", "am ", "il ", "em ", "op ", "den "]
        .iter()
        .any(|o| line.starts_with(o));
    opener
        && lines
            .get(i + 1)
            .is_some_and(|next| ends(&fold(next.1.trim())) && !next.1.trim().starts_with('>'))
}

/// Gmail's "Am … schrieb Name <address>:": the verb before the writer's address.
fn names_writer(line: &str) -> bool {
    line.ends_with(">:") && writes(line)
}

/// Whether `line` holds a verb of writing, as quote headers put it.
fn writes(line: &str) -> bool {
    const VERBS: [&str; 6] = [
        " wrote ",
        " schrieb ",
        " escribio ",
        " a ecrit ",
        " escreveu ",
        " ha scritto ",
    ];
    VERBS.iter().any(|v| line.contains(v))
}

/// A forwarded or quoted headers block: "From: …" (or "De :", "Von:") followed within a
/// few lines by "Sent:", "Date:", "To:" or "Subject:" in some language.
fn is_header_block(lines: &[(usize, &str)], i: usize) -> bool {
    const FROM: [&str; 8] = [
        "from:", "de:", "von:", "da:", "van:", "fra:", "fran:", "od:",
    ];
    const OTHERS: [&str; 24] = [
        "sent:",
        "date:",
        "to:",
        "subject:",
        "envoye:",
        "envoye le:",
        "a:",
        "objet:",
        "enviado:",
        "enviado el:",
        "para:",
        "asunto:",
        "gesendet:",
        "an:",
        "betreff:",
        "cc:",
        "sendt:",
        "til:",
        "emne:",
        "enviat el:",
        "per a:",
        "tema:",
        "enviada em:",
        "assunto:",
    ];
    if !lines[i].1.contains(':') {
        return false;
    }
    let line = fold(lines[i].1.trim());
    let line = line.trim_start_matches('*');
    if !FROM.iter().any(|f| line.starts_with(f)) {
        return false;
    }
    lines[i + 1..].iter().take(4).any(|(_, next)| {
        let next = fold(next.trim());
        let next = next.trim_start_matches('*');
        OTHERS.iter().any(|o| next.starts_with(o))
    })
}

#[cfg(test)]
mod tests {
    use super::own_text;

    #[test]
    fn the_quote_and_what_follows_are_cut() {
        let cases = [
            "Yes.\n\nOn Mon, 5 Jan 2026 at 10:00, Ann <a@example.org> wrote:\n> Come?\n",
            "Yes.\nOn Mon, 5 Jan 2026 at 10:00, Ann Example\n<a@example.org> wrote:\n> Come?\n",
            "Yes.\n\nLe lun. 5 janv. 2026 à 10:00, Ann <a@example.org> a écrit :\n> Venez ?\n",
            "Yes.\n\nEl lun, 5 ene 2026, Ana escribió:\n> ¿Viene?\n",
            "Yes.\n\n-----Original Message-----\nFrom: Ann\nSent: Monday\n",
            "Yes.\n________________________________\nDe : Ann\nEnvoyé : lundi\nÀ : Bob\n",
            "Yes.\n\nDe: Ana\nEnviado el: lunes\nPara: Bob\nAsunto: Circular\n",
            "Yes.\n-- \nBob, Mairie de Lyon\n",
            "Yes.\n\nFra: Ann\nSendt: torsdag\nTil: Bob\nEmne: Circular\n",
            "Yes.\n\nAm Do., 4. Sept. 2014 schrieb Ann <a@example.org>:\n> Come?\n",
            "Yes.\n\nAnn <a@example.org> schrieb am Fr., 28.\nApr. 2017 um 11:53 Uhr:\n> Come?\n",
            "Yes.\n> Come?\n",
            "Yes.\n\nBEGIN FORWARDED MESSAGE\nAnn asked us to come.\n",
        ];
        for case in cases {
            assert_eq!(own_text(case).trim(), "Yes.", "{case}");
        }
    }

    #[test]
    fn bottom_posted_words_are_the_members_own() {
        let text = "On Mon, Ann wrote:\n> Come?\n> Unsubscribe here\n\nNo thanks.\n-- \nBob\n";
        assert_eq!(own_text(text).trim(), "No thanks.");
    }

    #[test]
    fn a_from_line_alone_is_not_a_header_block() {
        let text = "From: the mayor's office, greetings.\nWe will come.\n";
        assert_eq!(own_text(text), text);
    }
}
