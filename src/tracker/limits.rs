//! How much of OpenCode's text the tracker keeps, so that no snapshot grows with what a
//! session does: a 9 MiB command must not become a 19 MB frame (Home Assistant refuses
//! frames over 16 MiB). Sizes are in characters; cut text ends with "…" within the size.
//! With every field at its limit a session snapshot holds about 80,000 characters (10,000 of them the plan), so the
//! 200 sessions of the default `max_sessions` stay under 16 MiB of ASCII text.

/// Session title.
pub const TITLE: usize = 256;
/// One-line summaries: the running tool and the permission title (Home Assistant states
/// are capped at 255 characters).
pub const SUMMARY: usize = 120;
/// Other free text: directory, agent, model, version, error name and message.
pub const TEXT: usize = 1024;
/// A permission's kind (`bash`, `edit`, …) and a question's header.
pub const NAME: usize = 100;
/// One permission pattern (`patterns` and `always`; a bash pattern is the command).
pub const PATTERN: usize = 200;
/// Patterns kept per list; a cut list ends with a "…" item.
pub const PATTERNS: usize = 8;
/// Pending permissions a snapshot shows (the oldest of its tree); the rest show as these
/// are answered.
pub const PERMISSIONS: usize = 8;
/// Pending permissions remembered per session; more are dropped with a warning.
pub const PERMISSIONS_HELD: usize = 256;
/// The text of one question.
pub const QUESTION: usize = 1000;
/// An option's label and its description.
pub const OPTION: usize = 200;
/// Questions kept per question request.
pub const QUESTIONS: usize = 8;
/// Options kept per question.
pub const OPTIONS: usize = 8;

/// Plan items a snapshot lists (the first of the plan); progress counts them all.
pub const TODOS: usize = 50;
/// The text of one plan item (a one-line task, as OpenCode's own views show it).
pub const TODO: usize = 120;
/// A plan item's status and priority (OpenCode's are single words).
pub const TODO_WORD: usize = 20;

pub use crate::text::clip;

/// An optional text, clipped.
pub fn clip_opt(text: &Option<String>, max: usize) -> Option<String> {
    text.as_deref().map(|t| clip(t, max))
}

/// Pattern lists: at most `PATTERNS` items of at most `PATTERN` characters each.
pub fn patterns(items: &[String]) -> Vec<String> {
    let mut out: Vec<String> = items.iter().take(PATTERNS).map(|p| clip(p, PATTERN)).collect();
    if items.len() > PATTERNS {
        if let Some(last) = out.last_mut() {
            "…".clone_into(last);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    //! Cutting on character boundaries.
    use super::*;

    #[test]
    fn clips_patterns() {
        assert_eq!(clip(&"x".repeat(10_000), TITLE).chars().count(), TITLE);
        let many: Vec<String> = (0..20).map(|i| format!("p{i}")).collect();
        let cut = patterns(&many);
        assert_eq!(cut.len(), PATTERNS);
        assert_eq!(cut.last().map(String::as_str), Some("…"));
        assert_eq!(patterns(&many[..2]), ["p0", "p1"]);
    }
}
