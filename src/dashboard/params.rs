//! The dashboard filters and how SQL sees them. `$START_DATE`, `$END_DATE` and
//! `$PARAM` in a widget's SQL become bound parameters (`?`), each bound in
//! order; the filter values are never pasted into the text. Anything else
//! written `$NAME` is an error that names the known ones.

use chrono::{Months, NaiveDate};

use crate::sql::lexer::{Kind, tokens};

/// The filter values a dashboard is drawn with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filters {
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// The global parameter's choice; `None` is "all" (bound as NULL).
    pub param: Option<String>,
}

impl Filters {
    /// The twelve months ending at `end` (both days included).
    pub fn last_12_months(end: NaiveDate, param: Option<String>) -> Filters {
        let start = end
            .checked_sub_months(Months::new(12))
            .and_then(|d| d.succ_opt())
            .unwrap_or(end);
        Filters { start, end, param }
    }

    /// The previous range of the same length, ending the day before `start`.
    pub fn previous_period(&self) -> Filters {
        let days = (self.end - self.start).num_days();
        let end = self.start.pred_opt().unwrap_or(self.start);
        Filters {
            start: end - chrono::Duration::days(days),
            end,
            param: self.param.clone(),
        }
    }

    /// `2025-01-01 – 2025-12-31`, and the parameter.
    pub fn describe(&self, param_label: Option<&str>) -> String {
        let mut s = format!("{} – {}", self.start, self.end);
        if let Some(label) = param_label {
            s.push_str(&format!(
                " · {label}: {}",
                self.param.as_deref().unwrap_or("all")
            ));
        }
        s
    }
}

/// A filter reference in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    StartDate,
    EndDate,
    Param,
}

impl Placeholder {
    const ALL: [(&'static str, Placeholder); 3] = [
        ("START_DATE", Placeholder::StartDate),
        ("END_DATE", Placeholder::EndDate),
        ("PARAM", Placeholder::Param),
    ];
}

/// SQL with its filter references replaced by `?`, and what to bind to each, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundSql {
    pub sql: String,
    pub placeholders: Vec<Placeholder>,
}

impl BoundSql {
    /// The values, in order: dates as `YYYY-MM-DD` text (the SQL casts them to
    /// DATE), the parameter as text or NULL.
    pub fn values(&self, f: &Filters) -> Vec<Option<String>> {
        self.placeholders
            .iter()
            .map(|p| match p {
                Placeholder::StartDate => Some(f.start.to_string()),
                Placeholder::EndDate => Some(f.end.to_string()),
                Placeholder::Param => f.param.clone(),
            })
            .collect()
    }
}

/// Replaces `$START_DATE` / `$END_DATE` with `CAST(? AS DATE)` and `$PARAM`
/// with `CAST(? AS VARCHAR)` (so a NULL "all" has a type); strings, quoted
/// names and comments are left alone. Positional `?` and other `$names` are errors.
pub fn bind(sql: &str) -> Result<BoundSql, String> {
    let toks: Vec<_> = tokens(sql).collect();
    let mut out = String::with_capacity(sql.len() + 32);
    let mut placeholders = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        let text = &sql[t.start..t.end];
        if t.kind == Kind::Operator && text == "?" {
            return Err(
                "widget SQL may not use `?`: write $START_DATE, $END_DATE or $PARAM".into(),
            );
        }
        if t.kind == Kind::Operator && text.starts_with('$') {
            // `$name`: the `$` then a word right after it; `$1`: one operator token.
            let next = toks
                .get(i + 1)
                .filter(|n| n.start == t.end && matches!(n.kind, Kind::Word | Kind::Number));
            let name = match next {
                Some(n) if text == "$" => &sql[n.start..n.end],
                _ => &text[1..],
            };
            let Some((_, p)) = Placeholder::ALL
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
            else {
                return Err(format!(
                    "unknown parameter `${name}` (known: $START_DATE, $END_DATE, $PARAM)"
                ));
            };
            out.push_str(match p {
                Placeholder::Param => "CAST(? AS VARCHAR)",
                _ => "CAST(? AS DATE)",
            });
            placeholders.push(*p);
            i += if next.is_some() && text == "$" { 2 } else { 1 };
            continue;
        }
        out.push_str(text);
        i += 1;
    }
    Ok(BoundSql {
        sql: out,
        placeholders,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_become_bound_parameters_in_order() {
        let b = bind(
            "SELECT '$PARAM' AS s, \"$END_DATE\" FROM t -- $PARAM\n\
             WHERE d BETWEEN $START_DATE AND $END_DATE AND ($PARAM IS NULL OR s = $param)",
        )
        .unwrap();
        assert_eq!(
            b.placeholders,
            [
                Placeholder::StartDate,
                Placeholder::EndDate,
                Placeholder::Param,
                Placeholder::Param
            ]
        );
        assert!(
            b.sql
                .starts_with("SELECT '$PARAM' AS s, \"$END_DATE\" FROM t -- $PARAM\n")
        );
        assert!(
            b.sql
                .contains("BETWEEN CAST(? AS DATE) AND CAST(? AS DATE)")
        );
        let f = Filters {
            start: NaiveDate::from_ymd_opt(2025, 1, 1).unwrap(),
            end: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap(),
            param: Some("x'; DROP TABLE t; --".into()),
        };
        let v = b.values(&f);
        assert_eq!(v[0].as_deref(), Some("2025-01-01"));
        assert_eq!(v[3].as_deref(), Some("x'; DROP TABLE t; --"));
        assert!(!b.sql.contains("DROP"));
    }

    #[test]
    fn unknown_names_and_question_marks_are_refused() {
        assert!(bind("SELECT $FOO").unwrap_err().contains("$FOO"));
        assert!(bind("SELECT ?").is_err());
        assert!(bind("SELECT $1").unwrap_err().contains("$1"));
    }

    #[test]
    fn default_range_is_twelve_months_inclusive() {
        let end = NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
        let f = Filters::last_12_months(end, None);
        assert_eq!(f.start, NaiveDate::from_ymd_opt(2025, 1, 1).unwrap());
        let p = f.previous_period();
        assert_eq!(p.end, NaiveDate::from_ymd_opt(2024, 12, 31).unwrap());
        // 2024 is a leap year: the same 365 days, one day later.
        assert_eq!(p.start, NaiveDate::from_ymd_opt(2024, 1, 2).unwrap());
    }
}
