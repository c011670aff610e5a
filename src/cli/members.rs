//! `circulars members list|add|update|remove`.

use std::io::Write;

use clap::{Args, Subcommand};
use serde::Serialize;

use super::{BadData, Format, UsageError};
use crate::config::Config;
use crate::locale::Language;
use crate::members::recipients::COLUMNS;
use crate::members::{EmailAddress, Member, MemberEdit, Role, clean_text};
use crate::store::{MemberInLists, StoreError};

#[derive(Debug, Subcommand)]
pub enum MembersCommand {
    /// List the members of every committee, or of one.
    List {
        #[arg(long)]
        committee: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Add a member to a committee, creating the member if the address is new. An existing
    /// member is not changed: fields that differ from theirs are refused (use `update`).
    Add {
        email: String,
        #[arg(long)]
        committee: String,
        #[arg(long, default_value = "member")]
        role: String,
        #[command(flatten)]
        fields: Fields,
    },
    /// Change a member's fields (an empty --language clears it).
    Update {
        email: String,
        #[command(flatten)]
        fields: Fields,
    },
    /// Take a member off one committee's list, or off all of them; their history stays.
    Remove {
        email: String,
        #[arg(long)]
        committee: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct Fields {
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    position: Option<String>,
    #[arg(long)]
    organisation: Option<String>,
    #[arg(long)]
    city: Option<String>,
    #[arg(long)]
    country: Option<String>,
    /// en, fr or es; empty for the committee's language.
    #[arg(long)]
    language: Option<String>,
}

impl Fields {
    /// Checks every field as the recipients files are checked.
    fn edit(&self, supported: &[Language]) -> Result<MemberEdit, UsageError> {
        let clean = |field: &str, value: &Option<String>| {
            value
                .as_deref()
                .map(|v| clean_text(field, v).map_err(UsageError))
                .transpose()
        };
        let language = match self.language.as_deref() {
            None => None,
            Some("") => Some(None),
            Some(code) => match Language::from_alias(code) {
                Some(lang) if supported.contains(&lang) => Some(Some(lang)),
                _ => return Err(UsageError(format!("unknown language `{code}`"))),
            },
        };
        Ok(MemberEdit {
            name: clean("name", &self.name)?,
            position: clean("position", &self.position)?,
            organisation: clean("organisation", &self.organisation)?,
            city: clean("city", &self.city)?,
            country: clean("country", &self.country)?,
            language,
        })
    }
}

/// One member in `--format json`.
#[derive(Serialize)]
struct MemberJson<'a> {
    email: &'a EmailAddress,
    name: &'a str,
    position: &'a str,
    organisation: &'a str,
    city: &'a str,
    country: &'a str,
    language: Option<Language>,
    committees: Vec<&'a str>,
    roles: std::collections::BTreeMap<&'a str, &'a str>,
}

pub(super) fn email_arg(text: &str) -> Result<EmailAddress, UsageError> {
    EmailAddress::parse(text.trim()).map_err(|e| UsageError(format!("address `{text}` {e}")))
}

pub async fn run(command: MembersCommand, config: &Config) -> anyhow::Result<()> {
    let store = super::open_store(config).await?;
    let supported = &config.locale.supported;
    match command {
        MembersCommand::List { committee, format } => {
            let members = store.listed_members(committee.as_deref()).await?;
            print_members(&members, format)?;
        }
        MembersCommand::Add {
            email,
            committee,
            role,
            fields,
        } => {
            let email = email_arg(&email)?;
            let role = Role::parse(&role).map_err(UsageError)?;
            let edit = fields.edit(supported)?;
            let member = match store.member(&email).await? {
                Some(stored) => edit.apply(&stored.member),
                None => edit.apply(&Member::new(email.clone())),
            };
            store
                .add_member(&member, &committee, &role, &super::actor())
                .await
                .map_err(|err| add_error(err, &email))?;
            println!("added {email} to {committee} as {}", role.as_str());
        }
        MembersCommand::Update { email, fields } => {
            let email = email_arg(&email)?;
            let edit = fields.edit(supported)?;
            if edit.is_empty() {
                return Err(UsageError(
                    "name at least one field to change (--name, --city …)".into(),
                )
                .into());
            }
            store.update_member(&email, &edit, &super::actor()).await?;
            println!("updated {email}");
        }
        MembersCommand::Remove { email, committee } => {
            let email = email_arg(&email)?;
            let removed = store
                .remove_member(&email, committee.as_deref(), &super::actor())
                .await?;
            println!("removed {email} from {}", removed.join(", "));
        }
    }
    Ok(())
}

/// A `members add` that would change an existing member says how to change them.
fn add_error(err: StoreError, email: &EmailAddress) -> anyhow::Error {
    match &err {
        StoreError::MemberDiffers { differences, .. } => {
            let flags: Vec<String> = differences
                .iter()
                .map(|d| format!("--{} …", d.field))
                .collect();
            BadData(format!(
                "{err}; nothing was changed: `members add` does not change a member, \
                 use `circulars members update {email} {}`",
                flags.join(" ")
            ))
            .into()
        }
        _ => err.into(),
    }
}

fn print_members(members: &[MemberInLists], format: Format) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            let json: Vec<MemberJson> = members.iter().map(member_json).collect();
            serde_json::to_writer_pretty(&mut out, &json)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            // The recipients columns, with the committees in place of the role.
            writer.write_record(COLUMNS[..7].iter().chain(&["committees"]))?;
            for listed in members {
                let row = row(listed);
                writer.write_record(&row)?;
            }
            writer.flush()?;
        }
        Format::Table => {
            let header = ["EMAIL", "NAME", "CITY", "COUNTRY", "LANG", "COMMITTEES"];
            let rows: Vec<[String; 6]> = members
                .iter()
                .map(|listed| {
                    let r = row(listed);
                    [
                        r[0].clone(),
                        r[1].clone(),
                        r[4].clone(),
                        r[5].clone(),
                        r[6].clone(),
                        r[7].clone(),
                    ]
                })
                .collect();
            super::table::write_table(&mut out, header, &rows)?;
            writeln!(out, "{} member(s)", rows.len())?;
        }
    }
    Ok(())
}

fn member_json(listed: &MemberInLists) -> MemberJson<'_> {
    let m = &listed.member;
    MemberJson {
        email: &m.email,
        name: &m.name,
        position: &m.position,
        organisation: &m.organisation,
        city: &m.city,
        country: &m.country,
        language: m.language,
        committees: listed.committees.iter().map(|(s, _)| s.as_str()).collect(),
        roles: listed
            .committees
            .iter()
            .map(|(s, r)| (s.as_str(), r.as_str()))
            .collect(),
    }
}

/// The member's recipients columns, then their committees joined by `;`.
fn row(listed: &MemberInLists) -> Vec<String> {
    let mut row = listed.member.csv_fields();
    let committees: Vec<&str> = listed.committees.iter().map(|(s, _)| s.as_str()).collect();
    row.push(committees.join(";"));
    row
}
