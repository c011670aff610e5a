//! Tera for circulars: the localised `date` and `number` filters, and Tera's errors turned
//! into faults that name file and line.

use std::collections::HashMap;
use std::error::Error as _;
use std::path::Path;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use tera::{Tera, Value};

use super::{logic, tags};
use crate::faults::Fault;
use crate::locale::Language;

/// A Tera instance whose `date` and `number` filters write in `lang`.
pub fn tera_for(lang: Language) -> Tera {
    let mut tera = Tera::default();
    tera.autoescape_on(vec![]);
    tera.register_filter(
        "date",
        move |value: &Value, args: &HashMap<String, Value>| date_filter(lang, value, args),
    );
    tera.register_filter(
        "number",
        move |value: &Value, _: &HashMap<String, Value>| match value.as_i64() {
            Some(n) => Ok(Value::String(lang.format_number(n))),
            None => Err(tera::Error::msg(format!(
                "number: `{value}` is not an integer"
            ))),
        },
    );
    tera
}

/// `{{ x | date }}` → "24 octobre 2014"; `date(format="%A %-d %B")` for other forms;
/// `date(timezone="America/Bogota")` converts a time with an offset first.
fn date_filter(
    lang: Language,
    value: &Value,
    args: &HashMap<String, Value>,
) -> tera::Result<Value> {
    let text = value
        .as_str()
        .ok_or_else(|| tera::Error::msg(format!("date: `{value}` is not a date")))?;
    let format = args
        .get("format")
        .and_then(Value::as_str)
        .unwrap_or(lang.long_date_format());
    let locale = lang.chrono_locale();
    let shown = if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        day.format_localized(format, locale).to_string()
    } else if let Ok(moment) = DateTime::parse_from_rfc3339(text) {
        match args.get("timezone").and_then(Value::as_str) {
            Some(zone) => {
                let tz: chrono_tz::Tz = zone
                    .parse()
                    .map_err(|_| tera::Error::msg(format!("date: unknown time zone `{zone}`")))?;
                moment
                    .with_timezone(&tz)
                    .format_localized(format, locale)
                    .to_string()
            }
            None => moment.format_localized(format, locale).to_string(),
        }
    } else if let Ok(moment) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S") {
        // A local time: shown as written, in its own zone.
        moment
            .and_utc()
            .format_localized(format, locale)
            .to_string()
    } else {
        return Err(tera::Error::msg(format!("date: `{text}` is not a date")));
    };
    Ok(Value::String(shown))
}

/// The spacing `lang` puts around punctuation: in French, the space before `:` and inside
/// `« »` becomes a no-break space, the one before `;`, `?` and `!` a narrow no-break space,
/// so that a line never starts with them. Authors type ordinary spaces.
pub fn typography(lang: Language, text: &str) -> String {
    if lang != Language::Fr {
        return text.to_string();
    }
    text.replace(" :", "\u{a0}:")
        .replace(" ;", "\u{202f};")
        .replace(" ?", "\u{202f}?")
        .replace(" !", "\u{202f}!")
        .replace("« ", "«\u{a0}")
        .replace(" »", "\u{a0}»")
}

/// Tera's error with its causes, on one line.
pub fn describe(err: &tera::Error) -> String {
    let mut parts = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        parts.push(cause.to_string());
        source = cause.source();
    }
    parts.join(": ")
}

/// Adds the template `name` to `tera` and checks its use of member values (see
/// [`logic`](super::logic)). `source` is read from `file`, from its line `first_line`.
///
/// The faults, by file and line: syntax errors and member values used in logic.
pub fn add_checked(
    tera: &mut Tera,
    name: &str,
    source: &str,
    file: &Path,
    first_line: usize,
) -> Vec<Fault> {
    if let Err(err) = tera.add_raw_template(name, source) {
        return tera_faults(&err, file, first_line, source);
    }
    let Ok(template) = tera.get_template(name) else {
        return Vec::new();
    };
    logic::misuses(&template.ast, source)
        .into_iter()
        .map(|m| Fault::new(file, first_line + m.line - 1, m.reason))
        .collect()
}

/// Faults for a Tera error in a template read from `file`, whose first line is
/// `first_line` of the file.
pub fn tera_faults(err: &tera::Error, file: &Path, first_line: usize, source: &str) -> Vec<Fault> {
    let full = describe(err);
    // A block never closed: Tera names the end of the text, the author wants its start.
    if full.contains("--> ")
        && let Some((keyword, line)) = tags::unclosed(source)
    {
        return vec![Fault::new(
            file,
            first_line + line - 1,
            format!("`{{% {keyword} %}}` is never closed: add `{{% end{keyword} %}}`"),
        )];
    }
    // Parse errors carry ` --> LINE:COLUMN`.
    if let Some(at) = full.find("--> ") {
        let line: usize = full[at + 4..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(1);
        let message = full
            .lines()
            .rev()
            .find(|l| l.trim_start().starts_with('=') || l.contains("expected"))
            .unwrap_or("syntax error")
            .trim()
            .trim_start_matches("= ")
            .to_string();
        return vec![Fault::new(
            file,
            first_line + line - 1,
            format!("template syntax: {message}"),
        )];
    }
    // Unknown variables name themselves between backticks.
    if let Some(name) = full
        .split("Variable `")
        .nth(1)
        .and_then(|r| r.split('`').next())
    {
        let line = source
            .lines()
            .position(|l| l.contains(name))
            .map_or(first_line, |i| first_line + i);
        return vec![Fault::new(file, line, format!("unknown variable `{name}`"))];
    }
    let line = first_line;
    vec![Fault::new(file, line, full.replace('\n', " "))]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(lang: Language, template: &str, value: &str) -> String {
        let mut tera = tera_for(lang);
        tera.add_raw_template("t", template).unwrap();
        let mut context = tera::Context::new();
        context.insert("x", value);
        tera.render("t", &context).unwrap()
    }

    #[test]
    fn dates_are_written_in_each_languages_own_form() {
        assert_eq!(
            render(Language::Fr, "{{ x | date }}", "2014-10-24"),
            "24 octobre 2014"
        );
        assert_eq!(
            render(Language::Es, "{{ x | date }}", "2014-10-24"),
            "24 de octubre de 2014"
        );
        assert_eq!(
            render(Language::En, "{{ x | date }}", "2014-10-24"),
            "24 October 2014"
        );
        assert_eq!(
            render(
                Language::Fr,
                "{{ x | date(format=\"%A %-d %B à %H h %M\") }}",
                "2014-11-06T09:30:00"
            ),
            "jeudi 6 novembre à 09 h 30"
        );
    }

    #[test]
    fn a_time_with_an_offset_is_shown_in_the_time_zone_asked_for() {
        let shown = render(
            Language::Es,
            "{{ x | date(format=\"%-d %B %H:%M\", timezone=\"America/Bogota\") }}",
            "2014-11-06T09:30:00+01:00",
        );
        assert_eq!(shown, "6 noviembre 03:30");
    }

    #[test]
    fn french_punctuation_is_held_to_its_word_by_a_no_break_space() {
        assert_eq!(
            typography(
                Language::Fr,
                "« Smart City » : six axes ; pourquoi ? Voilà !"
            ),
            "«\u{a0}Smart City\u{a0}»\u{a0}: six axes\u{202f}; pourquoi\u{202f}? Voilà\u{202f}!"
        );
        assert_eq!(typography(Language::En, "Note : yes"), "Note : yes");
    }

    #[test]
    fn numbers_are_grouped_per_language() {
        let mut tera = tera_for(Language::En);
        tera.add_raw_template("t", "{{ n | number }}").unwrap();
        let mut context = tera::Context::new();
        context.insert("n", &12500);
        assert_eq!(tera.render("t", &context).unwrap(), "12,500");
    }
}
