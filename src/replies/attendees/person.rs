//! The pieces of an attendee as written: an email address, a person's name (without the
//! courtesy title), a position; and how to tell a name from a position.

use crate::inbound::read::fold;

/// Courtesy and academic titles: never part of a name.
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "dr", "prof", "m", "mme", "mlle", "me", "sr", "sra", "srta", "ing",
    "lic", "don", "dona", "dra", "arq", "eng", "hon", "sir",
];

/// Lower-case words inside names: particles and the like.
const PARTICLES: &[&str] = &[
    "de", "del", "della", "la", "le", "las", "los", "van", "von", "der", "den", "da", "di", "du",
    "des", "dos", "do", "i", "al", "el", "bin", "ben", "ter", "ten", "epouse", "vda", "mc",
];

/// Words that make a phrase a position or an organisation rather than a person.
const POSITION_WORDS: &[&str] = &[
    "director",
    "directora",
    "directeur",
    "directrice",
    "head",
    "chief",
    "officer",
    "manager",
    "adviser",
    "advisor",
    "assistant",
    "secretary",
    "coordinator",
    "coordinador",
    "coordinadora",
    "mayor",
    "deputy",
    "councillor",
    "councilor",
    "president",
    "minister",
    "analyst",
    "engineer",
    "lead",
    "leader",
    "researcher",
    "specialist",
    "consultant",
    "expert",
    "counsellor",
    "chef",
    "responsable",
    "conseiller",
    "conseillere",
    "charge",
    "chargee",
    "ingenieur",
    "ingenieure",
    "adjoint",
    "adjointe",
    "maire",
    "echevin",
    "echevine",
    "jefe",
    "jefa",
    "asesor",
    "asesora",
    "secretario",
    "secretaria",
    "subsecretario",
    "subsecretaria",
    "concejal",
    "concejala",
    "alcalde",
    "alcaldesa",
    "analista",
    "especialista",
    "tecnico",
    "tecnica",
    "gerente",
    "subgerente",
    "profesional",
    "lider",
    "consejera",
    "consejero",
    "department",
    "division",
    "office",
    "unit",
    "programme",
    "program",
    "team",
    "section",
    "service",
    "city",
    "municipal",
    "municipality",
    "council",
    "government",
    "policy",
    "project",
    "projects",
    "data",
    "digital",
    "smart",
    "open",
    "ict",
    "innovation",
    "departement",
    "ville",
    "mairie",
    "direction",
    "cellule",
    "unite",
    "servicio",
    "oficina",
    "area",
    "unidad",
    "gobierno",
    "ayuntamiento",
    "alcaldia",
    "municipalidad",
    "datos",
    "abiertos",
    "innovacion",
    "chefe",
    "divisao",
    "dados",
    "abertos",
    "diretor",
    "diretora",
    "coordenador",
    "subdirector",
    "subdirectora",
    "sous-directeur",
    "sous-directrice",
    "senior",
    "district",
    "region",
    "province",
    "county",
    "state",
    "metropolitan",
    "metropolitana",
    "commune",
    "agency",
    "agence",
    "agencia",
    "foundation",
    "fondation",
    "fundacion",
    "institute",
    "institut",
    "instituto",
    "ministry",
    "ministere",
    "ministerio",
    "embassy",
    "ambassade",
    "embajada",
    "secretariat",
    "committee",
    "commission",
    "comision",
    "bureau",
    "cabinet",
    "gabinete",
    "organisation",
    "organization",
    "network",
    "university",
    "universite",
    "universidad",
    "meeting",
    "reunion",
    "working",
    "cities",
    "junior",
    "principal",
    "executive",
    "general",
];

/// Capitalised small words that open a sentence, never a name.
const COMMON: &[&str] = &[
    "the", "our", "my", "we", "i", "this", "please", "dear", "nous", "je", "yo", "mi",
    "nuestro", "nuestra", "notre", "hello", "hi", "bonjour",
    "hola", "thank", "thanks", "merci", "gracias", "on", "am", "sent", "from",
];

/// Words that end a name when read backwards ("with", "and", "de la concejala").
const STOPS: &[&str] = &[
    "and", "et", "with", "avec", "con", "par", "by", "por", "y", "e",
];

/// The email addresses in `text`, as written (without `mailto:`, brackets or a final stop),
/// with where each token starts and ends.
pub fn emails(text: &str) -> Vec<(usize, usize, String)> {
    let mut found = Vec::new();
    let mut start = None;
    let delimiter = |c: char| c.is_whitespace() || "<>()[],;\"'".contains(c);
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (delimiter(c), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                if let Some(email) = clean_email(&text[s..i]) {
                    found.push((s, i, email));
                }
                start = None;
            }
            _ => {}
        }
    }
    found
}

/// `token` as an email address, if it is one.
pub fn clean_email(token: &str) -> Option<String> {
    let token = token.trim();
    let token = token
        .strip_prefix("mailto:")
        .or_else(|| token.strip_prefix("MAILTO:"))
        .unwrap_or(token);
    let token = token.trim_matches(|c: char| "<>()[]".contains(c));
    let token = token.trim_end_matches(['.', ',', ';', ':', '!', '?']);
    let (local, domain) = token.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@');
    ok.then(|| token.to_owned())
}

/// `text` without a leading courtesy title and list punctuation.
pub fn clean_name(text: &str) -> String {
    let mut words: Vec<&str> = text
        .trim_matches(|c: char| c.is_whitespace() || ",;:-–—*•".contains(c))
        .split_whitespace()
        .collect();
    while words.len() > 1 && is_title(words[0]) {
        words.remove(0);
    }
    words.join(" ")
}

/// A position as written, without list punctuation or an email label left at its end.
pub fn clean_position(text: &str) -> String {
    const LABELS: &[&str] = &[
        "con correo electronico",
        "con correo",
        "correo electronico",
        "correo",
        "email",
        "e-mail",
        "mail",
        "courriel",
        "adresse electronique",
        "with email",
        "at",
    ];
    let mut position = text
        .trim_matches(|c: char| c.is_whitespace() || ",;:-–—|()<>".contains(c))
        .to_owned();
    // A final full stop after a word, not after an abbreviation ("D.C.").
    if position.ends_with('.')
        && position
            .chars()
            .rev()
            .nth(1)
            .is_some_and(char::is_lowercase)
    {
        position.pop();
    }
    for label in LABELS {
        let folded = fold(&position);
        if folded == *label {
            return String::new();
        }
        if let Some(stem) = folded.strip_suffix(label)
            && stem.ends_with([' ', ','])
        {
            let keep = position.chars().count() - label.chars().count();
            position = position.chars().take(keep).collect();
            position = position.trim_end_matches([' ', ',', ':']).to_owned();
        }
    }
    position
}

/// A courtesy or academic title ("Mr.", "Mme", "ING.").
pub fn is_title(word: &str) -> bool {
    let folded = fold(word.trim_end_matches('.'));
    TITLES.contains(&folded.as_str())
}

fn is_particle(word: &str) -> bool {
    PARTICLES.contains(&fold(word).as_str())
}

fn capitalised(word: &str) -> bool {
    word.trim_start_matches(['(', '"', '\''])
        .starts_with(|c: char| c.is_uppercase())
}

/// Whether `text` reads as a position or an organisation.
pub fn is_position_like(text: &str) -> bool {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| POSITION_WORDS.contains(&w))
}

/// The words before the name that ends `text` (titles left out), and the name.
pub fn split_name(text: &str) -> Option<(String, String)> {
    let words: Vec<&str> = text
        .trim_end_matches(|c: char| c.is_whitespace() || ",;:".contains(c))
        .split_whitespace()
        .collect();
    let mut start = words.len();
    while start > 0 {
        let word = words[start - 1];
        let folded = fold(word);
        if is_title(word) || STOPS.contains(&folded.as_str()) {
            break;
        }
        let inner = start < words.len();
        let punctuated = inner && word.ends_with([',', ';', ':', '!', '?', ')']);
        let letters = word
            .trim_end_matches([',', ';', ':', '.', ')'])
            .chars()
            .all(|c| c.is_alphabetic() || "-'\u{2019}.".contains(c));
        let pronoun = !letters || word == "I" || word.starts_with("I'") || word.starts_with("I\u{2019}");
        if !(capitalised(word) || is_particle(word))
            || start + 6 <= words.len()
            || punctuated
            || pronoun
        {
            break;
        }
        start -= 1;
    }
    while start < words.len()
        && (is_particle(words[start]) && !capitalised(words[start])
            || COMMON.contains(&words[start].to_lowercase().as_str()))
    {
        start += 1;
    }
    let run = &words[start..];
    let capitals = run
        .iter()
        .filter(|w| capitalised(w) && !is_particle(w))
        .count();
    if capitals < 2 || ends_with_stop(run) {
        return None;
    }
    let before: Vec<&str> = words[..start]
        .iter()
        .copied()
        .filter(|w| !is_title(w))
        .collect();
    Some((before.join(" "), clean_name(&run.join(" "))))
}

/// The position said before a name: "our deputy mayor" in "our deputy mayor Ana Pérez".
pub fn position_before(before: &str) -> String {
    const DETERMINERS: &[&str] = &[
        "our", "my", "her", "his", "their", "the", "notre", "mon", "ma", "son", "sa", "leur", "le",
        "la", "nuestro", "nuestra", "mi", "su", "el",
    ];
    const RELATIONS: &[&str] = &[
        "colleague",
        "colleagues",
        "collegue",
        "colega",
        "companero",
        "companera",
        "friend",
    ];
    let words: Vec<&str> = before.split_whitespace().collect();
    let Some(at) = words
        .iter()
        .rposition(|w| DETERMINERS.contains(&fold(w).as_str()))
    else {
        return String::new();
    };
    let kept: Vec<&str> = words[at + 1..]
        .iter()
        .copied()
        .filter(|w| !RELATIONS.contains(&fold(w).as_str()))
        .collect();
    let position = kept.join(" ");
    if kept.len() <= 6 && is_position_like(&position) {
        position
    } else {
        String::new()
    }
}

/// Every person's name in `text`, with the words said before each (since the previous one).
pub fn names_in(text: &str) -> Vec<(String, String)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut found: Vec<(String, String)> = Vec::new();
    for end in 0..words.len() {
        let ends_run = capitalised(words[end])
            && words
                .get(end + 1)
                .is_none_or(|next| !capitalised(next) || STOPS.contains(&fold(next).as_str()));
        if !ends_run {
            continue;
        }
        let piece = words[..=end].join(" ");
        let Some((before, name)) = split_name(&piece) else {
            continue;
        };
        // "The Spanish embassy", "Our Director": a capitalised small word opens the run.
        let mut name_words: Vec<&str> = name.split_whitespace().collect();
        while name_words
            .first()
            .is_some_and(|w| COMMON.contains(&w.to_lowercase().as_str()))
        {
            name_words.remove(0);
        }
        let name = name_words.join(" ");
        if name_words.len() >= 2 && !is_position_like(&name) {
            let since = found
                .last()
                .and_then(|(_, last)| before.rsplit_once(last.as_str()).map(|(_, b)| b))
                .unwrap_or(&before);
            found.push((since.trim().to_owned(), name));
        }
    }
    found
}

/// An all-capitals run must not end on "Y" or "ET" read as a name.
fn ends_with_stop(run: &[&str]) -> bool {
    run.last()
        .is_some_and(|w| STOPS.contains(&fold(w).as_str()))
}

/// Whether `text` is a person's name alone: two to six words, capitalised or particles.
pub fn is_name(text: &str) -> bool {
    let name = clean_name(text);
    let words: Vec<&str> = name.split_whitespace().collect();
    (2..=6).contains(&words.len())
        && words.iter().all(|w| capitalised(w) || is_particle(w))
        && !name.contains(['@', ':'])
        && !name.chars().any(|c| c.is_ascii_digit())
        && !is_position_like(&name)
}
