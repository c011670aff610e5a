//! The words that tell names from positions: titles, particles, position and
//! organisation words, and the small words around names.

use crate::inbound::read::fold;

/// Courtesy and academic titles: never part of a name.
const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "dr", "prof", "m", "mme", "mlle", "me", "sr", "sra", "srta", "ing",
    "lic", "don", "dona", "dra", "arq", "eng", "hon", "sir", "d", "dna", "mtro", "mtra", "lcdo",
    "lcda",
];

/// Lower-case words inside names: particles and the like.
const PARTICLES: &[&str] = &[
    "de", "del", "della", "la", "le", "las", "los", "van", "von", "der", "den", "da", "di", "du",
    "des", "dos", "do", "i", "al", "el", "bin", "ben", "ter", "ten", "epouse", "vda", "mc", "wa",
    "y", "zu", "ibn", "ould",
];

/// Words that make a phrase a position or an organisation rather than a person.
const POSITION_WORDS: &[&str] = &[
    "cheffe",
    "projet",
    "proyecto",
    "proyectos",
    "adjointe",
    "chargee",
    "delegue",
    "deleguee",
    "delegado",
    "delegada",
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
    "consejeria",
    "concejalia",
    "conselleria",
    "subdireccion",
    "gerencia",
    "jefatura",
    "coordinacion",
    "commissioner",
    "commissaire",
    "comisionado",
    "comisionada",
    "regidor",
    "regidora",
    "presidente",
    "presidenta",
    "vicepresident",
    "vicepresidente",
    "vicepresidenta",
    "executive",
    "general",
];

/// Capitalised small words that open a sentence, never a name.
pub const COMMON: &[&str] = &[
    "the", "our", "my", "we", "i", "this", "please", "dear", "nous", "je", "yo", "mi", "nuestro",
    "nuestra", "notre", "hello", "hi", "bonjour", "hola", "thank", "thanks", "merci", "gracias",
    "on", "am", "sent", "from",
];

/// Words that end a name when read backwards ("with", "and", "de la concejala").
pub const STOPS: &[&str] = &[
    "and", "et", "with", "avec", "con", "par", "by", "por", "y", "e",
];

/// A courtesy or academic title ("Mr.", "Mme", "ING.").
pub fn is_title(word: &str) -> bool {
    let folded = fold(word.trim_end_matches('.'));
    TITLES.contains(&folded.as_str())
}

pub fn is_particle(word: &str) -> bool {
    PARTICLES.contains(&fold(word).as_str())
}

/// A name word after an elided particle: "d'Auvergne", "d’Almeida".
pub fn elided(word: &str) -> bool {
    ["d'", "d\u{2019}"].iter().any(|p| {
        word.strip_prefix(p)
            .is_some_and(|rest| rest.starts_with(char::is_uppercase))
    })
}

pub fn capitalised(word: &str) -> bool {
    word.trim_start_matches(['(', '"', '\''])
        .starts_with(|c: char| c.is_uppercase())
}

/// Whether `text` reads as a position or an organisation.
pub fn is_position_like(text: &str) -> bool {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| POSITION_WORDS.contains(&w))
}
