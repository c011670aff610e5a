//! What the types alone cannot check: values that parse but could never work.

use std::net::SocketAddr;
use std::path::Path;

use super::{Config, ConfigError, ImapConfig, Tls, Transport};

/// A refused value: the keys that set it (`(section, key)`) and why.
#[derive(Debug)]
pub(super) struct Refusal {
    keys: Vec<(&'static str, &'static str)>,
    message: String,
}

impl Refusal {
    fn new(keys: &[(&'static str, &'static str)], message: String) -> Refusal {
        Refusal {
            keys: keys.to_vec(),
            message,
        }
    }

    /// Names the variable that set the value when one did, else the file and the line.
    pub(super) fn locate(self, path: &Path, text: &str, vars: &[(String, String)]) -> ConfigError {
        let set_by_env: Vec<String> = self
            .keys
            .iter()
            .map(|(section, key)| env_var(section, key))
            .filter(|var| vars.iter().any(|(name, _)| name == var))
            .collect();
        if !set_by_env.is_empty() {
            return ConfigError::Env {
                var: set_by_env.join(", "),
                message: self.message,
            };
        }
        let line = self
            .keys
            .iter()
            .find_map(|(section, key)| line_of_key(text, section, key));
        match line {
            Some(line) => ConfigError::Refused {
                path: path.to_path_buf(),
                line,
                message: self.message,
            },
            None => ConfigError::File {
                path: path.to_path_buf(),
                message: self.message,
            },
        }
    }
}

/// The variable that overrides `[section] key`.
pub(super) fn env_var(section: &str, key: &str) -> String {
    format!("CIRCULARS_{section}_{key}").to_ascii_uppercase()
}

/// The 1-based line where `[section] key = …` is set, if the text sets it.
fn line_of_key(text: &str, section: &str, key: &str) -> Option<usize> {
    let mut current = String::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(header) = line.strip_prefix('[') {
            current = header.trim_end_matches(']').trim().to_string();
        } else if current == section
            && let Some((name, _)) = line.split_once('=')
            && name.trim().trim_matches('"') == key
        {
            return Some(index + 1);
        }
    }
    None
}

/// Checks every value the types accept but the program could not use.
pub(super) fn check(config: &Config) -> Result<(), Refusal> {
    check_locale(config)?;
    check_database(&config.database.url, config.database.max_connections)?;
    check_http(&config.http.bind, &config.http.public_url)?;
    check_sender(config)?;
    check_dkim(config)?;
    check_servers(config)?;
    check_smtp(config)
}

/// `max_per_second = 0` means no limit; the other counts must be at least 1.
fn check_smtp(config: &Config) -> Result<(), Refusal> {
    let smtp = &config.smtp;
    if smtp.concurrency == 0 || smtp.max_attempts == 0 {
        return Err(Refusal::new(
            &[("smtp", "concurrency"), ("smtp", "max_attempts")],
            "[smtp] concurrency and max_attempts must be at least 1".into(),
        ));
    }
    // A CA file with no TLS would send in clear text while the operator thinks otherwise.
    if !smtp.ca_file.is_empty() && smtp.tls == Tls::None {
        return Err(Refusal::new(
            &[("smtp", "ca_file"), ("smtp", "tls")],
            "[smtp] ca_file is set but tls = \"none\": set tls = \"starttls\" or \"tls\", or empty ca_file".into(),
        ));
    }
    Ok(())
}

fn check_sender(config: &Config) -> Result<(), Refusal> {
    let sender = &config.sender;
    if sender.from_address.parse::<lettre::Address>().is_err() {
        return Err(Refusal::new(
            &[("sender", "from_address")],
            format!(
                "[sender] from_address `{}` is not a mail address",
                sender.from_address
            ),
        ));
    }
    // Reply addresses are `<reply_local>+c030.<token>@<reply_domain>`.
    let reply = format!("{}+c030.token@{}", sender.reply_local, sender.reply_domain);
    if reply.parse::<lettre::Address>().is_err() || !sender.reply_domain.contains('.') {
        return Err(Refusal::new(
            &[("sender", "reply_local"), ("sender", "reply_domain")],
            format!("[sender] reply_local and reply_domain make no mail address: `{reply}`"),
        ));
    }
    Ok(())
}

/// DKIM signs only when selector, domain and key file are all set: a part of them would
/// silently send unsigned mail.
fn check_dkim(config: &Config) -> Result<(), Refusal> {
    let dkim = &config.dkim;
    let set = [&dkim.selector, &dkim.domain, &dkim.key_file]
        .iter()
        .filter(|value| !value.is_empty())
        .count();
    if set != 0 && set != 3 {
        return Err(Refusal::new(
            &[
                ("dkim", "selector"),
                ("dkim", "domain"),
                ("dkim", "key_file"),
            ],
            "[dkim] selector, domain and key_file are set together or not at all".into(),
        ));
    }
    Ok(())
}

fn check_servers(config: &Config) -> Result<(), Refusal> {
    let (smtp, imap) = (&config.smtp, &config.imap);
    if smtp.transport == Transport::Smtp && (smtp.host.trim().is_empty() || smtp.port == 0) {
        return Err(Refusal::new(
            &[("smtp", "host"), ("smtp", "port")],
            "[smtp] host and port are needed with transport = \"smtp\"".into(),
        ));
    }
    check_imap(imap)
}

fn check_imap(imap: &ImapConfig) -> Result<(), Refusal> {
    if !imap.ca_file.is_empty() && imap.tls == Tls::None {
        return Err(Refusal::new(
            &[("imap", "ca_file"), ("imap", "tls")],
            "[imap] ca_file is set but tls = \"none\": set tls = \"starttls\" or \"tls\", or empty ca_file".into(),
        ));
    }
    if !imap.enabled {
        return Ok(());
    }
    if imap.host.trim().is_empty() || imap.port == 0 {
        return Err(Refusal::new(
            &[("imap", "host"), ("imap", "port")],
            "[imap] host and port are needed when IMAP is enabled".into(),
        ));
    }
    if imap.username.is_empty() {
        return Err(Refusal::new(
            &[("imap", "username")],
            "[imap] username is needed when IMAP is enabled".into(),
        ));
    }
    if imap.poll_seconds == 0 {
        return Err(Refusal::new(
            &[("imap", "poll_seconds")],
            "[imap] poll_seconds must be at least 1".into(),
        ));
    }
    Ok(())
}

fn check_locale(config: &Config) -> Result<(), Refusal> {
    if !config.locale.supported.contains(&config.locale.default) {
        return Err(Refusal::new(
            &[("locale", "default"), ("locale", "supported")],
            format!(
                "[locale] default `{}` is not in [locale] supported",
                config.locale.default
            ),
        ));
    }
    Ok(())
}

fn check_database(url: &str, max_connections: u32) -> Result<(), Refusal> {
    let keys = &[("database", "url")];
    let scheme_ok = ["sqlite:", "postgres:", "postgresql:"]
        .iter()
        .any(|scheme| url.starts_with(scheme));
    if !scheme_ok {
        return Err(Refusal::new(
            keys,
            "[database] url must start with sqlite:// or postgres://".into(),
        ));
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"));
    if let Some(path) = path
        && path.split('?').next().unwrap_or_default().is_empty()
    {
        return Err(Refusal::new(
            keys,
            format!(
                "[database] url `{url}` names no file: write sqlite://PATH, e.g. sqlite://data/circulars.db"
            ),
        ));
    }
    if max_connections == 0 {
        return Err(Refusal::new(
            &[("database", "max_connections")],
            "[database] max_connections must be at least 1".into(),
        ));
    }
    Ok(())
}

fn check_http(bind: &str, public_url: &str) -> Result<(), Refusal> {
    if !is_host_and_port(bind) {
        return Err(Refusal::new(
            &[("http", "bind")],
            format!(
                "[http] bind `{bind}` is not an address and port: write HOST:PORT, e.g. 127.0.0.1:8080, [::1]:8080 or localhost:8080"
            ),
        ));
    }
    let absolute = url::Url::parse(public_url)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some());
    if absolute.is_none() {
        return Err(Refusal::new(
            &[("http", "public_url")],
            format!(
                "[http] public_url `{public_url}` is not an absolute http(s) URL: write e.g. https://circulars.example.org"
            ),
        ));
    }
    Ok(())
}

/// `127.0.0.1:8080`, `[::1]:8080` or `host.example.org:8080`.
fn is_host_and_port(bind: &str) -> bool {
    if bind.parse::<SocketAddr>().is_ok() {
        return true;
    }
    let Some((host, port)) = bind.rsplit_once(':') else {
        return false;
    };
    let hostname = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    hostname && port.parse::<u16>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_pass() {
        assert!(check(&Config::default()).is_ok());
    }

    #[test]
    fn an_empty_sqlite_path_is_refused() {
        for url in ["sqlite://", "sqlite:", "sqlite://?mode=rwc"] {
            let err = check_database(url, 5).unwrap_err();
            assert!(err.message.contains("names no file"), "{url}");
        }
        assert!(check_database("sqlite::memory:", 5).is_ok());
    }

    #[test]
    fn an_address_and_port_is_needed_to_bind() {
        for good in [
            "127.0.0.1:8080",
            "[::1]:8080",
            "localhost:8080",
            "0.0.0.0:0",
        ] {
            assert!(is_host_and_port(good), "{good}");
        }
        for bad in [
            "localhost",
            "127.0.0.1",
            ":8080",
            "host:",
            "host:99999",
            "a b:80",
        ] {
            assert!(!is_host_and_port(bad), "{bad}");
        }
    }

    #[test]
    fn half_a_dkim_setting_and_a_bad_sender_are_refused() {
        let mut config = Config::default();
        config.dkim.selector = "mail".into();
        assert!(check(&config).unwrap_err().message.contains("[dkim]"));
        let mut config = Config::default();
        config.sender.from_address = "circulars".into();
        assert!(check(&config).unwrap_err().message.contains("from_address"));
        let mut config = Config::default();
        config.sender.reply_domain = String::new();
        assert!(check(&config).unwrap_err().message.contains("reply_domain"));
    }

    #[test]
    fn no_rate_limit_is_allowed_but_a_ca_file_without_tls_is_refused() {
        let mut config = Config::default();
        config.smtp.max_per_second = 0;
        assert!(check(&config).is_ok());
        config.smtp.concurrency = 0;
        assert!(check(&config).unwrap_err().message.contains("concurrency"));
        let mut config = Config::default();
        config.smtp.ca_file = "ca.pem".into();
        assert!(check(&config).unwrap_err().message.contains("ca_file"));
        config.smtp.tls = Tls::Starttls;
        assert!(check(&config).is_ok());
    }

    #[test]
    fn the_line_of_a_key_is_found_in_its_section() {
        let text = "[smtp]\nport = 25\n\n[http]\n# bind = \"x\"\nbind = \"localhost\"\n";
        assert_eq!(line_of_key(text, "http", "bind"), Some(6));
        assert_eq!(line_of_key(text, "smtp", "bind"), None);
    }
}
