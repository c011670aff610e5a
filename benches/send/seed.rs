//! What a run starts from: a recipients folder of generated members for the committee of
//! Circular 30 (`digital-cities`), and a configuration that sends through `smtp-sink`.

use std::path::{Path, PathBuf};

/// First names (as shown, as in the address) and family names: accents in both lists.
const FIRST: [(&str, &str); 8] = [
    ("Élodie", "elodie"),
    ("José Ramón", "joseramon"),
    ("Françoise", "francoise"),
    ("Jürgen", "jurgen"),
    ("Ana Lúcia", "analucia"),
    ("Søren", "soren"),
    ("Amina", "amina"),
    ("Chloë", "chloe"),
];
const LAST: [(&str, &str); 7] = [
    ("Muñoz", "munoz"),
    ("Lefèvre", "lefevre"),
    ("Etxebarria", "etxebarria"),
    ("Groß", "gross"),
    ("Núñez", "nunez"),
    ("Diallo", "diallo"),
    ("Østergård", "ostergard"),
];
/// Working languages, and an empty cell (the committee's, English) one member in ten.
const LANGUAGES: [&str; 10] = ["en", "fr", "es", "en", "fr", "es", "en", "fr", "es", ""];
const CITIES: [(&str, &str); 5] = [
    ("Bilbao", "ES"),
    ("Montréal", "CA"),
    ("Bogotá", "CO"),
    ("Saint-Étienne", "FR"),
    ("São Paulo", "BR"),
];

/// The first and family names of generated member `i`, each as shown and as in the address.
fn person(i: usize) -> ((&'static str, &'static str), (&'static str, &'static str)) {
    (FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()])
}

/// The address of generated member `i` (all under `example.org`).
pub fn email(i: usize) -> String {
    let ((_, first), (_, last)) = person(i);
    format!("{first}.{last}.{i}@city{}.example.org", i % 997)
}

/// Writes `committees.toml` and `digital-cities.csv` with `members` members into `dir`.
pub fn write_recipients(dir: &Path, members: usize) {
    std::fs::create_dir_all(dir).expect("a recipients folder");
    std::fs::write(
        dir.join("committees.toml"),
        "[[committee]]\nslug = \"digital-cities\"\nlanguage = \"en\"\n\
         name = { en = \"Committee on Digital and Knowledge-Based Cities\", \
         fr = \"Commission des Villes Numériques et de la Connaissance\", \
         es = \"Comisión de Ciudades Digitales y del Conocimiento\" }\n",
    )
    .expect("committees.toml written");
    let mut csv = csv::Writer::from_path(dir.join("digital-cities.csv")).expect("a CSV file");
    csv.write_record(circulars::members::recipients::COLUMNS)
        .expect("CSV header written");
    for i in 0..members {
        let ((first, _), (last, _)) = person(i);
        let (city, country) = CITIES[i % CITIES.len()];
        let role = if i % 500 == 0 { "observer" } else { "member" };
        csv.write_record([
            &email(i),
            &format!("{first} {last}"),
            "Responsable de la transformación digital, área de innovación",
            &format!("Ayuntamiento de {city} nº {i}"),
            city,
            country,
            LANGUAGES[i % LANGUAGES.len()],
            role,
        ])
        .expect("CSV row written");
    }
    csv.flush().expect("CSV file flushed");
}

/// Where one run keeps its files.
pub struct Setup {
    pub config: PathBuf,
    pub recipients: PathBuf,
}

/// Writes the configuration of a run in `dir`: its own SQLite database (`name`.db), the
/// project's templates, SMTP to `smtp_port` with `concurrency` connections and no rate limit.
pub fn write_config(dir: &Path, name: &str, smtp_port: u16, concurrency: usize) -> Setup {
    let recipients = dir.join(format!("{name}-recipients"));
    let templates = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("templates");
    let text = format!(
        "[data]\ndir = {data}\n\n\
         [database]\nurl = {db}\n\n\
         [recipients]\ndir = {recipients}\nsync_on_start = false\n\n\
         [templates]\ndir = {templates}\n\n\
         [maildir]\ninbox = {inbox}\n\n\
         [http]\nbind = \"127.0.0.1:{http}\"\n\n\
         [smtp]\ntransport = \"smtp\"\nhost = \"127.0.0.1\"\nport = {smtp_port}\n\
         tls = \"none\"\nconcurrency = {concurrency}\nmax_per_second = 0\nmax_attempts = 5\n",
        data = quoted(&dir.join("data").display().to_string()),
        db = quoted(&format!(
            "sqlite://{}",
            dir.join(format!("{name}.db")).display()
        )),
        recipients = quoted(&recipients.display().to_string()),
        templates = quoted(&templates.display().to_string()),
        inbox = quoted(&dir.join("data/inbox").display().to_string()),
        http = crate::postfix::free_port(),
    );
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(&config, text).expect("config written");
    Setup { config, recipients }
}

/// `text` as a TOML string, quoted and escaped.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}
