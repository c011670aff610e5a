//! `circulars registrations NNN`: a circular's registrations, and the secretariat's
//! corrections of one (`--cancel EMAIL`, `--member EMAIL --attendee …`), logged in
//! `records_log`; the mails they call for are queued before the command ends.

use std::io::Write;

use clap::Args;

use super::replies::{make_answers, member_id, parse_attendees};
use super::sending::stored_or_unknown;
use super::{Format, actor, open_store, table::write_table};
use crate::config::Config;
use crate::replies::Attendee;
use crate::store::{Change, Registration};

#[derive(Debug, Args)]
pub struct RegistrationsArgs {
    /// The circular.
    number: u32,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
    /// Cancel this member's registration: its seats go to the first on the waitlist, who
    /// is told; the member is told too, unless `--quiet`.
    #[arg(long, value_name = "EMAIL", conflicts_with = "member")]
    cancel: Option<String>,
    /// Set this member's attendees to the `--attendee` given (registering them if they
    /// were not).
    #[arg(long, value_name = "EMAIL", requires = "attendees")]
    member: Option<String>,
    /// A person registered, as `Name|Position|email` (position and email may be empty).
    #[arg(long = "attendee", value_name = "'Name|Position|email'")]
    attendees: Vec<String>,
    /// No mail to the member about the cancellation.
    #[arg(long)]
    quiet: bool,
}

/// `registrations NNN`, or one of its corrections.
pub async fn run(args: RegistrationsArgs, config: &Config) -> anyhow::Result<()> {
    let store = open_store(config).await?;
    let circular = stored_or_unknown(&store, args.number).await?;
    if let Some(email) = &args.cancel {
        let member = member_id(&store, email).await?;
        let change = Change {
            actor: &actor(),
            action: "registration.cancel",
            subject: format!("registration:{:03}:{email}", args.number),
            before: None,
            after: None,
        };
        store
            .cancel_registration(circular.id, member, !args.quiet, &change)
            .await?;
        let told = make_answers(&store, config).await?;
        eprintln!(
            "cancelled the registration of {email} to circular {:03}; {told} mail(s) queued",
            args.number
        );
        return Ok(());
    }
    if let Some(email) = &args.member {
        let member = member_id(&store, email).await?;
        let attendees = parse_attendees(&args.attendees)?;
        let change = Change {
            actor: &actor(),
            action: "registration.set",
            subject: format!("registration:{:03}:{email}", args.number),
            before: None,
            after: Some(serde_json::to_string(&attendees)?),
        };
        let status = store
            .set_registration(circular.id, member, &attendees, &change)
            .await?;
        let told = make_answers(&store, config).await?;
        eprintln!(
            "{email}: {} attendee(s), {}; {told} mail(s) queued",
            attendees.len(),
            status.as_str()
        );
        return Ok(());
    }
    let list = store.registrations(circular.id).await?;
    print_registrations(&list, args.format)
}

fn print_registrations(list: &[Registration], format: Format) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, list)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record([
                "member",
                "status",
                "late",
                "received_at",
                "name",
                "position",
                "email",
            ])?;
            for registration in list {
                for attendee in &registration.attendees {
                    writer.write_record([
                        registration.member.as_str(),
                        registration.status.as_str(),
                        if registration.late { "yes" } else { "no" },
                        &registration.received_at,
                        &attendee.name,
                        &attendee.position,
                        &attendee.email,
                    ])?;
                }
            }
            writer.flush()?;
        }
        Format::Table => {
            let rows: Vec<[String; 5]> = list
                .iter()
                .map(|r| {
                    [
                        r.member.clone(),
                        r.status.as_str().to_string(),
                        if r.late { "late" } else { "" }.to_string(),
                        r.received_at.clone(),
                        r.attendees
                            .iter()
                            .map(attendee_text)
                            .collect::<Vec<_>>()
                            .join("; "),
                    ]
                })
                .collect();
            write_table(
                &mut out,
                ["MEMBER", "STATUS", "LATE", "RECEIVED", "ATTENDEES"],
                &rows,
            )?;
            let seats: u32 = list
                .iter()
                .filter(|r| r.status == crate::registrations::Status::Confirmed)
                .map(|r| r.seats)
                .sum();
            writeln!(
                out,
                "{} registration(s), {seats} confirmed seat(s)",
                list.len()
            )?;
        }
    }
    Ok(())
}

fn attendee_text(a: &Attendee) -> String {
    [&a.name, &a.position, &a.email]
        .into_iter()
        .filter(|f| !f.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}
