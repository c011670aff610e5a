//! Configuration: `config/circulars.toml`, `CIRCULARS_<SECTION>_<KEY>` overrides, secrets.
//!
//! Order of precedence, on purpose: built-in defaults < the file < the environment, so an
//! operator can change one value of a deployed file without editing it.

use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::locale::Language;

mod check;
mod secrets;

pub use secrets::{MIN_SECRET_BYTES, Secrets};

/// The default configuration, compiled in so the binary runs anywhere.
pub const EMBEDDED: &str = include_str!("../config/circulars.toml");
/// Where the configuration is read from when `--config` is not given.
pub const DEFAULT_PATH: &str = "config/circulars.toml";
/// Environment variables of ours that are not configuration keys.
const NOT_KEYS: &[&str] = &[
    "CIRCULARS_SECRET",
    "CIRCULARS_SMTP_PASSWORD",
    "CIRCULARS_IMAP_PASSWORD",
    "CIRCULARS_ADMIN_TOKEN",
    "CIRCULARS_SECRETARIAT_TOKEN",
    "CIRCULARS_LOG",
];

/// A configuration that cannot be used; the message names the file or variable and key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    /// A value that parses but cannot work, with the line that set it.
    #[error("{path}:{line}: {message}")]
    Refused {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
    /// The signing secret cannot be read or written in the data folder.
    #[error("cannot keep the signing secret in {path} ([data] dir)")]
    Secret {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub data: DataConfig,
    pub database: DatabaseConfig,
    pub sender: SenderConfig,
    pub smtp: SmtpConfig,
    pub imap: ImapConfig,
    pub maildir: MaildirConfig,
    pub dkim: DkimConfig,
    pub recipients: RecipientsConfig,
    pub templates: TemplatesConfig,
    pub http: HttpConfig,
    pub locale: LocaleConfig,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataConfig {
    /// Folder of the generated secret, the file outbox and the default inbox.
    pub dir: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: String,
    pub max_connections: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SenderConfig {
    pub from_name: String,
    pub from_address: String,
    pub reply_domain: String,
    pub reply_local: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    File,
    Smtp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tls {
    None,
    Starttls,
    Tls,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    pub transport: Transport,
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    /// PEM file of extra CA certificates trusted for the server; empty: the built-in roots.
    pub ca_file: String,
    pub username: String,
    /// 0: no limit.
    pub max_per_second: u32,
    pub concurrency: u32,
    pub max_attempts: u32,
    /// Seconds before the first retry of a temporary failure; doubled at each attempt.
    pub retry_seconds: u64,
    /// Permanent failures after which an address is suppressed.
    pub bounce_threshold: u32,
    /// Soft bounces within `soft_bounce_days` that count as one permanent failure.
    pub soft_bounce_threshold: u32,
    pub soft_bounce_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImapConfig {
    pub enabled: bool,
    pub host: String,
    pub port: u16,
    pub tls: Tls,
    /// PEM file of extra CA certificates trusted for the server; empty: the built-in roots.
    pub ca_file: String,
    /// The password comes from `CIRCULARS_IMAP_PASSWORD`.
    pub username: String,
    pub folder: String,
    pub poll_seconds: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MaildirConfig {
    pub inbox: PathBuf,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DkimConfig {
    pub selector: String,
    pub domain: String,
    pub key_file: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecipientsConfig {
    pub dir: PathBuf,
    pub sync_on_start: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TemplatesConfig {
    pub dir: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    pub bind: String,
    pub public_url: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LocaleConfig {
    pub default: Language,
    pub supported: Vec<Language>,
    pub timezone: Tz,
}

impl Default for DataConfig {
    fn default() -> Self {
        Self { dir: "data".into() }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://data/circulars.db".into(),
            max_connections: 5,
        }
    }
}

impl Default for SenderConfig {
    fn default() -> Self {
        Self {
            from_name: "UCLG World Secretariat".into(),
            from_address: "circulars@uclg.example.org".into(),
            reply_domain: "uclg.example.org".into(),
            reply_local: "circulars".into(),
        }
    }
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            transport: Transport::File,
            host: "127.0.0.1".into(),
            port: 25,
            tls: Tls::None,
            ca_file: String::new(),
            username: String::new(),
            max_per_second: 50,
            concurrency: 4,
            max_attempts: 5,
            retry_seconds: 60,
            bounce_threshold: 3,
            soft_bounce_threshold: 5,
            soft_bounce_days: 30,
        }
    }
}

impl Default for ImapConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            host: "127.0.0.1".into(),
            port: 143,
            tls: Tls::None,
            ca_file: String::new(),
            username: String::new(),
            folder: "INBOX".into(),
            poll_seconds: 60,
        }
    }
}

impl Default for MaildirConfig {
    fn default() -> Self {
        Self {
            inbox: "data/inbox".into(),
        }
    }
}

impl Default for RecipientsConfig {
    fn default() -> Self {
        Self {
            dir: "recipients".into(),
            sync_on_start: true,
        }
    }
}

impl Default for TemplatesConfig {
    fn default() -> Self {
        Self {
            dir: "templates".into(),
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            public_url: "http://127.0.0.1:8080".into(),
        }
    }
}

impl Default for LocaleConfig {
    fn default() -> Self {
        Self {
            default: Language::En,
            supported: Language::ALL.to_vec(),
            timezone: chrono_tz::Europe::Madrid,
        }
    }
}

impl Config {
    /// Reads the configuration: `path` if given, else `config/circulars.toml` if it exists,
    /// else the embedded defaults; then applies the `CIRCULARS_*` environment variables.
    ///
    /// # Errors
    /// A file that cannot be read, a TOML error, an unknown key or a bad value, naming the
    /// file (or variable) and the key.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, text) = match path {
            Some(path) => (path.to_path_buf(), read(path)?),
            None if Path::new(DEFAULT_PATH).exists() => {
                (PathBuf::from(DEFAULT_PATH), read(Path::new(DEFAULT_PATH))?)
            }
            None => (PathBuf::from("(embedded defaults)"), EMBEDDED.to_string()),
        };
        let config = Config::parse(&text).map_err(|message| ConfigError::File {
            path: path.clone(),
            message,
        })?;
        let vars: Vec<(String, String)> = std::env::vars().collect();
        let config = config.with_env(vars.clone())?;
        check::check(&config).map_err(|refusal| refusal.locate(&path, &text, &vars))?;
        Ok(config)
    }

    /// Parses configuration text; the error carries TOML's line, column and key.
    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|err| err.to_string().trim_end().to_string())
    }

    /// Applies `CIRCULARS_<SECTION>_<KEY>` variables, one by one, so an error names its
    /// variable.
    ///
    /// # Errors
    /// A variable naming no key, or whose value does not fit the key.
    pub fn with_env(
        self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut table = toml::Table::try_from(&self).expect("a config serialises to TOML");
        let mut vars: Vec<_> = vars.into_iter().collect();
        vars.retain(|(var, _)| is_override(var));
        vars.sort();
        for (var, raw) in vars {
            let env_error = |message: String| ConfigError::Env {
                var: var.clone(),
                message,
            };
            let rest = var["CIRCULARS_".len()..].to_ascii_lowercase();
            let Some((section, key)) = rest.split_once('_') else {
                return Err(env_error("names no `<SECTION>_<KEY>`".into()));
            };
            let Some(toml::Value::Table(fields)) = table.get(section) else {
                return Err(env_error(format!("unknown section `{section}`")));
            };
            if !fields.contains_key(key) {
                return Err(env_error(format!("unknown key `{key}` in [{section}]")));
            }
            // A value is read as TOML first (numbers, booleans, arrays), then as plain text.
            let candidates = toml::from_str::<toml::Table>(&format!("v = {raw}"))
                .ok()
                .and_then(|mut t| t.remove("v"))
                .into_iter()
                .chain([toml::Value::String(raw.clone())]);
            let mut last_error = String::new();
            let mut applied = false;
            for value in candidates {
                let mut attempt = table.clone();
                if let Some(toml::Value::Table(fields)) = attempt.get_mut(section) {
                    fields.insert(key.to_string(), value);
                }
                match attempt.clone().try_into::<Config>() {
                    Ok(_) => {
                        table = attempt;
                        applied = true;
                        break;
                    }
                    Err(err) => last_error = one_line(&err.to_string()),
                }
            }
            if !applied {
                return Err(env_error(format!(
                    "bad value for [{section}] {key}: {last_error}"
                )));
            }
        }
        // Each variable was tried on its own above, so the whole fits.
        table
            .try_into()
            .map_err(|err: toml::de::Error| ConfigError::Env {
                var: "CIRCULARS_*".into(),
                message: err.to_string(),
            })
    }
}

/// Whether an environment variable overrides a configuration key.
fn is_override(var: &str) -> bool {
    var.starts_with("CIRCULARS_") && !NOT_KEYS.contains(&var)
}

/// A TOML error message on one line.
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_shipped_file_says_what_the_built_in_defaults_are() {
        assert_eq!(Config::parse(EMBEDDED).unwrap(), Config::default());
    }

    #[test]
    fn an_unknown_key_is_named_with_its_line() {
        let err = Config::parse("[smtp]\nport = 25\nhots = \"x\"\n").unwrap_err();
        assert!(err.contains("hots"), "{err}");
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn a_bad_value_is_named() {
        let err = Config::parse("[smtp]\ntls = \"ssl\"\n").unwrap_err();
        assert!(err.contains("ssl"), "{err}");
    }

    #[test]
    fn environment_overrides_the_file() {
        let config = Config::parse("[smtp]\nport = 25\n").unwrap();
        let config = config
            .with_env(env(&[
                ("CIRCULARS_SMTP_PORT", "2525"),
                ("CIRCULARS_DATABASE_URL", "postgres://db.example.org/c"),
                ("CIRCULARS_SMTP_USERNAME", "1234"),
                ("CIRCULARS_LOCALE_SUPPORTED", "[\"en\", \"fr\"]"),
                ("CIRCULARS_SECRET", "never a key"),
                ("PATH", "/bin"),
            ]))
            .unwrap();
        assert_eq!(config.smtp.port, 2525);
        assert_eq!(config.smtp.username, "1234");
        assert_eq!(config.database.url, "postgres://db.example.org/c");
        assert_eq!(config.locale.supported, vec![Language::En, Language::Fr]);
    }

    #[test]
    fn a_bad_environment_variable_is_named() {
        let err = Config::default()
            .with_env(env(&[("CIRCULARS_SMTP_PORT", "lots")]))
            .unwrap_err();
        assert!(err.to_string().contains("CIRCULARS_SMTP_PORT"), "{err}");
        let err = Config::default()
            .with_env(env(&[("CIRCULARS_SMTP_HOTS", "x")]))
            .unwrap_err();
        assert!(err.to_string().contains("unknown key `hots`"), "{err}");
    }
}
