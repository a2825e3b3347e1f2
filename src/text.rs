//! Text helpers shared by the tracker, the OpenCode client and the CLI: cutting text to a
//! size on character boundaries. What sizes the tracker keeps is `tracker::limits`.

/// `text` cut to at most `max` characters (the last being "…" when cut).
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some(_) => {
            let keep = max.saturating_sub(1);
            let end = text.char_indices().nth(keep).map_or(text.len(), |(i, _)| i);
            format!("{}…", &text[..end])
        }
    }
}

/// Collapses whitespace (newlines included) and truncates on a character boundary;
/// stops reading once past `max`, so a megabyte command costs no more than a short one.
pub fn one_line(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(max.min(text.len()) + 3);
    let mut count = 0;
    'words: for word in text.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        if count > 0 {
            out.push(' ');
            count += 1;
        }
        for c in word.chars() {
            if count > max {
                break 'words;
            }
            out.push(c);
            count += 1;
        }
    }
    if count > max {
        let cut: String = out.chars().take(max - 1).collect();
        return format!("{cut}…");
    }
    out
}

#[cfg(test)]
mod tests {
    //! Cutting on character boundaries.
    use super::*;

    #[test]
    fn clips_on_characters() {
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("abcd", 3), "ab…");
        assert_eq!(clip("ééééé", 4), "ééé…");
    }

    #[test]
    fn one_line_collapses_and_cuts() {
        assert_eq!(one_line("npm test\n  --watch", 100), "npm test --watch");
        assert_eq!(one_line(&"x".repeat(200), 10).chars().count(), 10);
    }
}
