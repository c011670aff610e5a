//! Big sends for load tests: a `recipients/` folder whose `digital-cities` list (the
//! committee of Circular 30) has as many members as a test needs, in the circular's three
//! languages and, for every fourth member, none (the committee's, English); and reading what
//! the send left: the test SMTP server's envelopes, the daemon's `workers stopped` line.

use std::fmt::Write;
use std::path::Path;

use super::project_dir;

/// The languages of generated members, in turn; "" leaves the cell empty.
const LANGUAGES: [&str; 4] = ["fr", "en", "es", ""];

/// The address of the `n`th generated member (from 1).
pub fn address(n: usize) -> String {
    format!("delegate-{n:05}@example.org")
}

/// The language the `n`th generated member reads circulars in: their own, or for those
/// with none the committee's (English).
pub fn language_of(n: usize) -> &'static str {
    match LANGUAGES[n % LANGUAGES.len()] {
        "" => "en",
        own => own,
    }
}

/// Writes `dir`/recipients: the project's `committees.toml` and `decentralisation.csv`, and
/// a `digital-cities.csv` of `count` generated members. The same `count` always gives the
/// same files. Returns the members' addresses, in list order.
pub fn big_list(dir: &Path, count: usize) -> Vec<String> {
    let target = dir.join("recipients");
    std::fs::create_dir_all(&target).unwrap();
    for file in ["committees.toml", "decentralisation.csv"] {
        std::fs::copy(
            project_dir().join("recipients").join(file),
            target.join(file),
        )
        .unwrap();
    }
    let mut csv = String::from("email,name,position,organisation,city,country,language,role\n");
    let addresses: Vec<String> = (1..=count).map(address).collect();
    for (i, email) in addresses.iter().enumerate() {
        let n = i + 1;
        let language = LANGUAGES[n % LANGUAGES.len()];
        let (name, position) = match language {
            "fr" => (format!("Déléguée n° {n}"), "Directrice du numérique"),
            "es" => (format!("Delegado n.º {n}"), "Concejal de Innovación"),
            _ => (format!("Delegate No. {n}"), "Chief Digital Officer"),
        };
        let role = if n == 1 { "chair" } else { "member" };
        writeln!(
            csv,
            "{email},{name},{position},City of Town {n},Town {n},FR,{language},{role}"
        )
        .unwrap();
    }
    std::fs::write(target.join("digital-cities.csv"), csv).unwrap();
    addresses
}

/// The number of messages the test SMTP server has kept in `kept_dir` so far, without
/// reading them (cheap enough to poll).
pub fn kept_count(kept_dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(kept_dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .count()
}

/// The recipient and arrival time (seconds since the epoch) of every message kept in
/// `kept_dir`, in the order accepted, read from the envelopes only (not the messages).
pub fn kept_envelopes(kept_dir: &Path) -> Vec<(String, f64)> {
    let Ok(entries) = std::fs::read_dir(kept_dir) else {
        return Vec::new();
    };
    let mut names: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|eml| {
            let json = std::fs::read(eml.with_extension("json")).unwrap();
            let meta: serde_json::Value = serde_json::from_slice(&json).unwrap();
            let rcpts = meta["rcpt_tos"].as_array().unwrap();
            assert_eq!(rcpts.len(), 1, "one recipient per message: {meta}");
            let rcpt = rcpts[0].as_str().unwrap().to_string();
            (rcpt, meta["received_at"].as_f64().unwrap())
        })
        .collect()
}

/// `workers stopped daemon=… sent=N given_back=M` → (N, M), from the last such line.
pub fn workers_stopped(log: &str) -> (u64, u64) {
    let line = log
        .lines()
        .rev()
        .find(|l| l.contains("workers stopped"))
        .unwrap_or_else(|| panic!("no `workers stopped` line\n{log}"));
    let field = |name: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in {line}"))
    };
    (field("sent="), field("given_back="))
}
