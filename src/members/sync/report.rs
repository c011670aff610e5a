//! A sync plan told per committee, as `recipients sync` prints it.

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::Plan;
use crate::members::EmailAddress;
use crate::members::recipients::CommitteeList;

/// What a sync did (or would do) to one committee's list.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CommitteeReport {
    pub slug: String,
    /// The file's name, empty for a committee no longer in the files.
    pub file: String,
    /// The member fields the file has no column for, kept as they are.
    pub absent: Vec<&'static str>,
    pub added: Vec<EmailAddress>,
    /// Each changed member with the names of the fields that changed.
    pub changed: Vec<(EmailAddress, Vec<&'static str>)>,
    pub removed: Vec<EmailAddress>,
}

/// The plan, told per committee, in the files' order.
pub fn report(plan: &Plan, lists: &[CommitteeList]) -> Vec<CommitteeReport> {
    let mut reports: Vec<CommitteeReport> = lists
        .iter()
        .map(|l| CommitteeReport {
            slug: l.committee.slug.clone(),
            file: l
                .file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            absent: l.absent.clone(),
            ..CommitteeReport::default()
        })
        .collect();
    let field_changes: HashMap<&EmailAddress, Vec<&'static str>> = plan
        .changed_members
        .iter()
        .map(|(_, before, after)| (&after.email, before.changed_fields(after)))
        .collect();
    let mut role_changes: HashSet<(&str, &EmailAddress)> = HashSet::new();
    for change in &plan.memberships {
        let i = entry(&mut reports, &change.committee);
        match (&change.before, &change.after) {
            (None, Some(_)) => reports[i].added.push(change.email.clone()),
            (Some(_), None) => reports[i].removed.push(change.email.clone()),
            _ => {
                role_changes.insert((change.committee.as_str(), &change.email));
            }
        }
    }
    for list in lists {
        let i = entry(&mut reports, &list.committee.slug);
        let added: HashSet<EmailAddress> = reports[i].added.iter().cloned().collect();
        for (_, listing) in &list.listings {
            let email = &listing.member.email;
            let mut fields = field_changes.get(email).cloned().unwrap_or_default();
            if role_changes.contains(&(list.committee.slug.as_str(), email)) {
                fields.push("role");
            }
            if !fields.is_empty() && !added.contains(email) {
                reports[i].changed.push((email.clone(), fields));
            }
        }
    }
    reports
}

/// The index of `slug`'s report, added if missing.
fn entry(reports: &mut Vec<CommitteeReport>, slug: &str) -> usize {
    match reports.iter().position(|r| r.slug == slug) {
        Some(i) => i,
        None => {
            reports.push(CommitteeReport {
                slug: slug.to_string(),
                ..CommitteeReport::default()
            });
            reports.len() - 1
        }
    }
}

impl fmt::Display for CommitteeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{}: {} added, {} changed, {} removed",
            self.slug,
            self.added.len(),
            self.changed.len(),
            self.removed.len()
        )?;
        if !self.absent.is_empty() {
            writeln!(
                f,
                "  {} has no column {}: those fields are kept as they are",
                self.file,
                self.absent.join(", ")
            )?;
        }
        for email in &self.added {
            writeln!(f, "  + {email}")?;
        }
        for (email, fields) in &self.changed {
            writeln!(f, "  ~ {email} ({})", fields.join(", "))?;
        }
        for email in &self.removed {
            writeln!(f, "  - {email}")?;
        }
        Ok(())
    }
}
