//! Times on the wire and in the store: epoch milliseconds as RFC 3339 UTC with
//! milliseconds (`2026-11-22T05:00:00.000Z`), the one format both use.

/// Formats epoch milliseconds as RFC 3339 UTC.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
