//! The frequency editor's language and the edit of a schedule file.
//!
//! The editor shows a frequency the way the list describes it
//! ([`crate::scheduler::frequency::Frequency::describe`]) and reads the same words back:
//!
//! ```text
//! hourly at :15            every 2 days at 03:00      monthly on day 31 at 03:00
//! daily at 03:00           weekly on mon,thu at 03:00 cron 0 3 * * 1-5
//! ```
//!
//! Saving rewrites only the frequency keys of the file (`frequency` and the keys that
//! belong to it) with `toml_edit`, so comments, order and every other key stay; the new
//! text is checked by the same parser the scheduler uses before anything is written, so
//! a bad frequency is refused with that parser's message (file, line, problem) and the
//! file is left as it was. The write is atomic.

use std::path::Path;

use toml_edit::{Array, DocumentMut, Item, Value, value};

use crate::scheduler::definition::{InvalidFile, line_of};
use crate::scheduler::schedule_file;
use crate::workspace::write_atomic;

/// Examples the editor shows.
pub const EXAMPLES: &str = "hourly at :15 · daily at 03:00 · every 2 days at 03:00 · weekly on mon,thu at 03:00 · monthly on day 31 at 03:00 · cron 0 3 * * 1-5 (UTC)";

/// Keys a frequency may use; the ones a new frequency does not set are removed.
const FREQUENCY_KEYS: &[&str] = &["at", "every_days", "minute", "days", "day", "cron"];

/// The keys a frequency in words sets, in file order.
#[derive(Debug, Clone)]
pub struct FrequencyKeys(pub Vec<(&'static str, Value)>);

/// Reads a frequency in words. Values are taken as written (a minute of 75, a time of
/// 25:00): the schedule parser judges them and names the problem.
pub fn parse_words(text: &str) -> Result<FrequencyKeys, String> {
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let usage = || format!("`{text}` is not a frequency; write one like: {EXAMPLES}");
    let int = |s: &str| {
        s.parse::<i64>()
            .map_err(|_| format!("`{s}` is not a number in `{text}`"))
    };
    let keys = match words.as_slice() {
        ["hourly"] => vec![
            ("frequency", value_str("hourly")),
            ("minute", Value::from(0)),
        ],
        ["hourly", "at", m] => {
            let m = m.trim_start_matches(':');
            vec![
                ("frequency", value_str("hourly")),
                ("minute", Value::from(int(m)?)),
            ]
        }
        ["daily", "at", t] => vec![("frequency", value_str("daily")), ("at", value_str(t))],
        ["every", n, "days" | "day", "at", t] => vec![
            ("frequency", value_str("daily")),
            ("at", value_str(t)),
            ("every_days", Value::from(int(n)?)),
        ],
        ["weekly", "on", rest @ .., "at", t] if !rest.is_empty() => {
            let days: Array = rest
                .join(" ")
                .split([',', ' '])
                .filter(|d| !d.is_empty())
                .map(value_str)
                .collect();
            vec![
                ("frequency", value_str("weekly")),
                ("days", Value::Array(days)),
                ("at", value_str(t)),
            ]
        }
        ["monthly", "on", "day", d, "at", t] => vec![
            ("frequency", value_str("monthly")),
            ("day", Value::from(int(d)?)),
            ("at", value_str(t)),
        ],
        ["cron", ..] if words.len() > 1 => {
            // The expression as typed (case kept: croner accepts MON, JAN...).
            let expr = text[4..].trim();
            vec![("frequency", value_str("cron")), ("cron", value_str(expr))]
        }
        _ => return Err(usage()),
    };
    Ok(FrequencyKeys(keys))
}

fn value_str(s: &str) -> Value {
    Value::from(s.to_string())
}

/// `text` (a schedule file) with its frequency replaced by `keys`: comments, order and
/// other keys kept; the value decor (a trailing comment) of a key that stays is kept.
pub fn with_frequency(
    file: &Path,
    text: &str,
    keys: &FrequencyKeys,
) -> Result<String, InvalidFile> {
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        InvalidFile::new(
            file,
            e.span().map(|s| line_of(text, s.start)),
            e.message().trim().to_string(),
        )
    })?;
    for key in FREQUENCY_KEYS {
        if !keys.0.iter().any(|(k, _)| k == key) {
            doc.remove(key);
        }
    }
    for (key, new) in &keys.0 {
        match doc.get_mut(key).and_then(Item::as_value_mut) {
            Some(old) => {
                let decor = old.decor().clone();
                *old = new.clone();
                *old.decor_mut() = decor;
            }
            None => doc[*key] = value(new.clone()),
        }
    }
    Ok(doc.to_string())
}

/// Saves the frequency `words` into the schedule `file`: parsed, applied, checked by the
/// schedule parser, then written atomically. Returns the frequency as the list will
/// describe it. On any error nothing is written and the message names the problem.
pub fn save(file: &Path, words: &str) -> Result<String, String> {
    let keys = parse_words(words)?;
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let new_text = with_frequency(file, &text, &keys).map_err(|e| e.to_string())?;
    let schedule =
        schedule_file::parse_schedule(file, &new_text).map_err(|e| format!("not saved: {e}"))?;
    write_atomic(file, new_text.as_bytes()).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(schedule.frequency.describe())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# Refresh the deciles.\njob = \"loyalty_miles\"\nfrequency = \"daily\" # when\nat = \"03:00\"\nenabled = true\n\n[parameters]\nMIN = 1\n";

    fn edit(words: &str) -> Result<String, String> {
        let file = Path::new("/ws/schedules/nightly.toml");
        let keys = parse_words(words)?;
        let text = with_frequency(file, FILE, &keys).map_err(|e| e.to_string())?;
        schedule_file::parse_schedule(file, &text).map_err(|e| e.to_string())?;
        Ok(text)
    }

    #[test]
    fn every_described_frequency_reads_back_to_itself() {
        for words in [
            "hourly at :15",
            "daily at 04:30",
            "every 3 days at 01:00",
            "weekly on Mon,Thu at 03:00",
            "monthly on day 31 at 03:00",
            "cron 0 3 * * 1-5",
        ] {
            let text = edit(words).unwrap_or_else(|e| panic!("{words}: {e}"));
            let s = schedule_file::parse_schedule(Path::new("/ws/schedules/nightly.toml"), &text)
                .unwrap();
            assert_eq!(s.frequency.describe(), words, "{text}");
            // Comments, other keys and the parameters table stay.
            assert!(
                text.starts_with("# Refresh the deciles.\njob = \"loyalty_miles\"\n"),
                "{text}"
            );
            assert!(text.contains("[parameters]\nMIN = 1"), "{text}");
        }
        let text = edit("daily at 05:00").unwrap();
        assert!(
            text.contains("frequency = \"daily\" # when\nat = \"05:00\""),
            "{text}"
        );
        let text = edit("hourly at :15").unwrap();
        assert!(!text.contains("at = "), "the daily keys go: {text}");
    }

    #[test]
    fn bad_frequencies_are_refused_naming_the_problem() {
        let e = edit("sometimes").unwrap_err();
        assert!(
            e.contains("`sometimes` is not a frequency") && e.contains("daily at 03:00"),
            "{e}"
        );
        let e = edit("hourly at :75").unwrap_err();
        assert!(e.contains("minute = 75 is out of range"), "{e}");
        let e = edit("daily at 25:00").unwrap_err();
        assert!(
            e.contains("nightly.toml:") && e.contains("`25:00` is not a time of day"),
            "{e}"
        );
        let e = edit("weekly on funday at 03:00").unwrap_err();
        assert!(e.contains("`funday` is not a weekday"), "{e}");
        let e = edit("cron 61 * * * *").unwrap_err();
        assert!(e.contains("is not a cron expression"), "{e}");
    }

    #[test]
    fn save_writes_only_a_valid_frequency() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nightly.toml");
        std::fs::write(&file, FILE).unwrap();
        assert!(save(&file, "every day at noon").is_err());
        assert!(
            save(&file, "monthly on day 32 at 03:00")
                .unwrap_err()
                .contains("day = 32")
        );
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            FILE,
            "nothing written"
        );
        assert_eq!(
            save(&file, "weekly on sat at 06:00").unwrap(),
            "weekly on Sat at 06:00"
        );
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.contains("days = [\"sat\"]") && text.contains("# Refresh the deciles."),
            "{text}"
        );
    }
}
