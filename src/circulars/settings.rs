//! What rendering needs from the configuration.

use crate::config::Config;
use crate::locale::Language;

/// The rendering settings: where replies go, the public address of links, the default
/// language.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Local part of the reply address (`circulars` in `circulars+r.…@example.org`).
    pub reply_local: String,
    /// Domain of the reply address.
    pub reply_domain: String,
    /// Base of the one-click unsubscribe and document links.
    pub public_url: String,
    /// The language of members whose own and committee's language a circular lacks.
    pub default_language: Language,
}

impl Settings {
    /// The rendering settings of a configuration.
    pub fn from_config(config: &Config) -> Settings {
        Settings {
            reply_local: config.sender.reply_local.clone(),
            reply_domain: config.sender.reply_domain.clone(),
            public_url: config.http.public_url.clone(),
            default_language: config.locale.default,
        }
    }
}
