//! `opencode-lookout usage`: spend and tokens per day (UTC) and model from the ledger and
//! its archive, plus the period's sum and the all-time totals.

use super::{counter, ledger, Error};
use crate::protocol::Usage;
use crate::time::rfc3339;
use rusqlite::{params, Connection};
use serde::Serialize;
use std::fmt::Write;

/// One day and model.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Line {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    /// `provider/model`; empty when OpenCode did not say.
    pub model: String,
    pub messages: u64,
    pub tokens: u64,
    pub tokens_input: u64,
    pub tokens_output: u64,
    pub tokens_reasoning: u64,
    pub tokens_cache_read: u64,
    pub tokens_cache_write: u64,
    pub cost: f64,
}

impl Line {
    fn add(&mut self, o: &Line) {
        self.messages += o.messages;
        self.tokens += o.tokens;
        self.tokens_input += o.tokens_input;
        self.tokens_output += o.tokens_output;
        self.tokens_reasoning += o.tokens_reasoning;
        self.tokens_cache_read += o.tokens_cache_read;
        self.tokens_cache_write += o.tokens_cache_write;
        self.cost += o.cost;
    }
}

/// What `usage` prints (its `--json` form is this, serialised).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The start of the period (RFC 3339), or null for everything recorded.
    pub since: Option<String>,
    /// Oldest day first; within a day, by model.
    pub days: Vec<Line>,
    /// The sum of `days` (its `day` and `model` are empty).
    pub period: Line,
    /// Everything since the store was created; never decreases.
    pub total: Usage,
}

/// Parses `--since`: `7d`, `24h`, or a day `YYYY-MM-DD` (from its midnight, UTC).
pub fn parse_since(s: &str, now_ms: i64) -> Option<i64> {
    let s = s.trim();
    let count = |suffix: char, unit_ms: i64| -> Option<i64> {
        let n: i64 = s.strip_suffix(suffix)?.parse().ok().filter(|n| *n >= 0)?;
        Some(now_ms.saturating_sub(n.saturating_mul(unit_ms)))
    };
    count('d', 86_400_000).or_else(|| count('h', 3_600_000)).or_else(|| {
        let day = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
        Some(day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
    })
}

/// Reads the report for the period from `since_ms` (everything when `None`).
pub fn report(conn: &Connection, since_ms: Option<i64>) -> Result<Report, Error> {
    let from = since_ms.unwrap_or(i64::MIN);
    let from_day =
        since_ms.and_then(|ms| rfc3339(ms).get(..10).map(str::to_owned)).unwrap_or_default();
    let sums = "sum(tokens_input), sum(tokens_output), sum(tokens_reasoning), \
                sum(tokens_cache_read), sum(tokens_cache_write), sum(cost)";
    let sql = format!(
        "SELECT day, model, sum(n), {sums} FROM ( \
           SELECT strftime('%Y-%m-%d', time_ms / 1000, 'unixepoch') AS day, \
             coalesce(model, '') AS model, 1 AS n, tokens_input, tokens_output, \
             tokens_reasoning, tokens_cache_read, tokens_cache_write, cost \
           FROM ledger WHERE time_ms >= ?1 \
           UNION ALL \
           SELECT day, model, messages, tokens_input, tokens_output, tokens_reasoning, \
             tokens_cache_read, tokens_cache_write, cost FROM archive WHERE day >= ?2 \
         ) GROUP BY day, model ORDER BY day, model"
    );
    let mut stmt = conn.prepare(&sql)?;
    let days = stmt
        .query_map(params![from, from_day], |r| {
            let mut l = Line {
                day: r.get(0)?,
                model: r.get(1)?,
                messages: counter(r.get(2)?),
                tokens_input: counter(r.get(3)?),
                tokens_output: counter(r.get(4)?),
                tokens_reasoning: counter(r.get(5)?),
                tokens_cache_read: counter(r.get(6)?),
                tokens_cache_write: counter(r.get(7)?),
                cost: r.get(8)?,
                ..Line::default()
            };
            l.tokens = l.tokens_input
                + l.tokens_output
                + l.tokens_reasoning
                + l.tokens_cache_read
                + l.tokens_cache_write;
            Ok(l)
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut period = Line::default();
    for l in &days {
        period.add(l);
    }
    Ok(Report { since: since_ms.map(rfc3339), days, period, total: ledger::totals(conn)? })
}

/// The report as a table for people.
pub fn table(r: &Report) -> String {
    let since = match &r.since {
        Some(since) => format!("since {since}"),
        None => "all days".to_owned(),
    };
    let total_since = format!("since {}", r.total.since);
    // The model column also holds the period and total rows' labels.
    let width = r
        .days
        .iter()
        .map(|l| l.model.as_str())
        .chain(["model", &since, &total_since])
        .map(|m| m.chars().count())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    let row = |out: &mut String, day: &str, model: &str, msgs: &str, tokens: &str, cost: &str| {
        let _ = writeln!(out, "{day:<10}  {model:<width$}  {msgs:>8}  {tokens:>12}  {cost:>10}");
    };
    row(&mut out, "day (UTC)", "model", "messages", "tokens", "cost (USD)");
    for l in &r.days {
        let model = if l.model.is_empty() { "?" } else { &l.model };
        row(
            &mut out,
            &l.day,
            model,
            &l.messages.to_string(),
            &l.tokens.to_string(),
            &format!("{:.4}", l.cost),
        );
    }
    let p = &r.period;
    row(
        &mut out,
        "period",
        &since,
        &p.messages.to_string(),
        &p.tokens.to_string(),
        &format!("{:.4}", p.cost),
    );
    let t = &r.total;
    row(
        &mut out,
        "total",
        &total_since,
        &t.messages.to_string(),
        &t.tokens.to_string(),
        &format!("{:.4}", t.cost),
    );
    out
}

#[cfg(test)]
mod tests {
    //! The table's layout.
    use super::*;

    #[test]
    fn period_and_total_rows_line_up_with_the_days() {
        let line = |day: &str, model: &str, cost| Line {
            day: day.into(),
            model: model.into(),
            messages: 3,
            tokens: 1234,
            cost,
            ..Line::default()
        };
        let report = Report {
            since: Some("2026-11-01T00:00:00.000Z".into()),
            days: vec![line("2026-11-01", "fake/m", 0.5), line("2026-11-02", "", 12.25)],
            period: line("", "", 12.75),
            total: Usage {
                since: "2026-10-01T08:15:00.000Z".into(),
                messages: 120,
                cost: 99.5,
                ..Usage::default()
            },
        };
        let text = table(&report);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        // The numbers are right-aligned: rows of equal length end each column in the
        // same place.
        let width = lines[0].chars().count();
        for l in &lines {
            assert_eq!(l.chars().count(), width, "misaligned row {l:?} in\n{text}");
        }
        assert!(lines[3].starts_with("period      since 2026-11-01T00:00:00.000Z  "), "{text}");
        assert!(lines[4].ends_with("   99.5000"), "{text}");
    }
}
