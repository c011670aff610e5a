//! `circulars check`: every circular and template read, parsed, checked for logic on member
//! values and rendered for sample members of every role, with each fault named by file and
//! line; so are the reminder (`templates/mail/reminder.<lang>.md`) of every circular that
//! has reminders, the unsubscribe confirmation and the answers to replies (confirmed,
//! waitlisted, promoted, refused, withdrawn, answer). Nothing is sent or stored.

use std::path::Path;
use std::sync::Arc;

use super::definition::{self, Circular};
use super::layout::Layout;
use super::reminder::{ANSWERS, answer_context, mail_of};
use super::render::{Recipient, Renderer};
use super::settings::Settings;
use crate::faults::Fault;
use crate::locale::Language;
use crate::members::{Committee, CommitteeNames, EmailAddress, Member, Role};
use crate::tokens::Signer;

/// What `check` found.
#[derive(Debug, Default)]
pub struct Report {
    /// The circulars without faults.
    pub circulars: Vec<Arc<Circular>>,
    /// Faults: the command fails.
    pub faults: Vec<Fault>,
    /// Worth knowing, not wrong (a language that falls back).
    pub notices: Vec<String>,
}

/// Checks the layouts, every circular under `templates/circulars/` and the reminders of
/// `templates/mail/`.
pub fn check(
    templates: &Path,
    committees: &[Committee],
    supported: &[Language],
    settings: &Settings,
) -> Report {
    let mut report = Report::default();
    let layout = match Layout::load(&templates.join("layout")) {
        Ok(layout) => Arc::new(layout),
        Err(faults) => {
            report.faults.extend(faults);
            return report;
        }
    };
    let dir = templates.join("circulars");
    let folders = match definition::folders(&dir) {
        Ok(folders) => folders,
        Err(err) => {
            report
                .faults
                .push(Fault::new(&dir, 0, format!("cannot read: {err}")));
            return report;
        }
    };
    for folder in folders {
        match definition::load(&folder, supported) {
            Ok(circular) => check_one(
                Arc::new(circular),
                &layout,
                &templates.join("mail"),
                committees,
                supported,
                settings,
                &mut report,
            ),
            Err(faults) => report.faults.extend(faults),
        }
    }
    let mut numbers: Vec<u32> = report.circulars.iter().map(|c| c.number).collect();
    numbers.sort_unstable();
    for pair in numbers.windows(2) {
        if pair[0] == pair[1] {
            report.faults.push(Fault::new(
                &dir,
                0,
                format!("two folders define circular {}", pair[0]),
            ));
        }
    }
    report
}

fn check_one(
    circular: Arc<Circular>,
    layout: &Arc<Layout>,
    mail_dir: &Path,
    committees: &[Committee],
    supported: &[Language],
    settings: &Settings,
    report: &mut Report,
) {
    let toml = circular.dir.join("circular.toml");
    let before = report.faults.len();
    let mut used = Vec::new();
    for slug in &circular.committees {
        match committees.iter().find(|c| &c.slug == slug) {
            Some(committee) => used.push(committee.clone()),
            None => report.faults.push(Fault::new(
                &toml,
                line_containing(&toml, "committees"),
                format!("unknown committee `{slug}` (not in recipients/committees.toml)"),
            )),
        }
    }
    let renderer = match Renderer::new(
        circular.clone(),
        layout.clone(),
        settings.clone(),
        Signer::new(b"check"),
    ) {
        Ok(renderer) => renderer,
        Err(err) => {
            report.faults.extend(err.0);
            return;
        }
    };
    if used.is_empty() {
        used.push(sample_committee(&circular));
    }
    for committee in &used {
        render_samples(&renderer, committee, report);
    }
    check_reminder(&circular, layout, mail_dir, &used, settings, report);
    let none = tera::Context::new();
    check_mail(
        &circular,
        layout,
        mail_dir,
        "unsubscribed",
        &used,
        settings,
        &none,
        report,
    );
    let sample = answer_context(2, false, "**An answer.**");
    for name in ANSWERS {
        check_mail(
            &circular, layout, mail_dir, name, &used, settings, &sample, report,
        );
    }
    let [_, sample] = sample_members();
    for &lang in supported {
        if circular.languages.contains(&lang) {
            continue;
        }
        if let Some(committee) = used.first() {
            let to = Recipient {
                member_id: 1,
                member: &sample,
                committee,
                role: Role::member().as_str(),
            };
            let read = renderer.language_for(to.wanted_language(Some(lang)), committee);
            report.notices.push(format!(
                "{}: no {lang}.md: members who read {} get the {} text",
                circular.folder_name(),
                Language::En.name_of(lang),
                Language::En.name_of(read),
            ));
        }
    }
    if report.faults.len() == before {
        report.circulars.push(circular);
    }
}

/// A circular with reminders needs a deadline (they stop there), and its reminder texts
/// must read and render like the circular's own.
fn check_reminder(
    circular: &Circular,
    layout: &Arc<Layout>,
    mail_dir: &Path,
    committees: &[Committee],
    settings: &Settings,
    report: &mut Report,
) {
    if circular.reminders.is_empty() {
        return;
    }
    if circular.deadline.is_none() {
        let toml = circular.dir.join("circular.toml");
        report.faults.push(Fault::new(
            &toml,
            line_containing(&toml, "reminders"),
            "reminders are sent until the deadline: set `deadline`, or leave reminders out",
        ));
    }
    let none = tera::Context::new();
    check_mail(
        circular, layout, mail_dir, "reminder", committees, settings, &none, report,
    );
}

/// The texts of `mail_dir/<name>.<lang>.md` must read and render like the circular's own,
/// with the variables `extra` besides the circular's (an answer's).
#[allow(clippy::too_many_arguments)]
fn check_mail(
    circular: &Circular,
    layout: &Arc<Layout>,
    mail_dir: &Path,
    name: &str,
    committees: &[Committee],
    settings: &Settings,
    extra: &tera::Context,
    report: &mut Report,
) {
    let renderer = mail_of(circular, mail_dir, name).and_then(|mail| {
        Renderer::new(
            Arc::new(mail),
            layout.clone(),
            settings.clone(),
            Signer::new(b"check"),
        )
        .map(|renderer| renderer.with_context(extra.clone()))
        .map_err(|err| err.0)
    });
    match renderer {
        Ok(renderer) => {
            for committee in committees {
                render_samples(&renderer, committee, report);
            }
        }
        Err(faults) => add_new(report, faults),
    }
}

/// Adds the faults not reported yet: circulars share their reminder texts.
fn add_new(report: &mut Report, faults: Vec<Fault>) {
    for fault in faults {
        if !report.faults.contains(&fault) {
            report.faults.push(fault);
        }
    }
}

/// Renders the circular for sample members of every role in each of its languages, so
/// that a fault in any branch shows.
fn render_samples(renderer: &Renderer, committee: &Committee, report: &mut Report) {
    for &lang in &renderer.circular().languages {
        for member in sample_members() {
            for role in Role::NAMES {
                let to = Recipient {
                    member_id: 1,
                    member: &member,
                    committee,
                    role,
                };
                if let Err(err) = renderer.render(to, Some(lang)) {
                    add_new(report, err.0);
                }
            }
        }
    }
}

/// The first line of `file` holding `needle`, else 0.
fn line_containing(file: &Path, needle: &str) -> usize {
    std::fs::read_to_string(file)
        .ok()
        .and_then(|t| t.lines().position(|l| l.contains(needle)))
        .map_or(0, |i| i + 1)
}

fn sample_committee(circular: &Circular) -> Committee {
    let slug = circular.committees.first().cloned().unwrap_or_default();
    Committee {
        language: circular.languages.first().copied().unwrap_or(Language::En),
        name: CommitteeNames {
            en: slug.clone(),
            fr: slug.clone(),
            es: slug.clone(),
        },
        slug,
    }
}

/// A member with every field, and one with only an address: templates must read well for
/// both (a greeting without a name, say).
pub fn sample_members() -> [Member; 2] {
    let email = EmailAddress::parse("member@example.org").expect("a valid sample address");
    let full = Member {
        name: "Ana Pérez".into(),
        position: "Head of Digital Affairs".into(),
        organisation: "City of Example".into(),
        city: "Example City".into(),
        country: "ES".into(),
        ..Member::new(email.clone())
    };
    [full, Member::new(email)]
}
