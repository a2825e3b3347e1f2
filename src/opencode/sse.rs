//! Incremental parser for OpenCode's server-sent events stream.
//!
//! OpenCode sends one `data: <json>` line per event followed by a blank line. The parser
//! still follows the SSE rules (multi-line `data`, comments, CRLF) so a proxy or a future
//! server that splits lines does not break it. It owns no I/O: feed it bytes, get payloads.

/// Longest event we buffer; a peer that sends more without a newline is cut off.
pub const MAX_LINE: usize = 8 * 1024 * 1024;

/// Error for a stream that is not SSE we can follow.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SseError {
    #[error("SSE line longer than {MAX_LINE} bytes")]
    LineTooLong,
}

/// Accumulates bytes and yields the `data` payload of each complete event.
#[derive(Debug, Default)]
pub struct SseParser {
    buf: Vec<u8>,
    data: String,
    has_data: bool,
}

impl SseParser {
    /// Creates an empty parser.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds a chunk and returns the payloads of the events it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<String>, SseError> {
        self.buf.extend_from_slice(chunk);
        let mut out = Vec::new();
        let mut start = 0;
        while let Some(pos) = self.buf[start..].iter().position(|&b| b == b'\n') {
            let end = start + pos;
            let mut line = &self.buf[start..end];
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            // Invalid UTF-8 is replaced rather than rejected: the JSON decoder reports it.
            let line = String::from_utf8_lossy(line).into_owned();
            self.line(&line, &mut out);
            start = end + 1;
        }
        self.buf.drain(..start);
        if self.buf.len() > MAX_LINE {
            self.buf.clear();
            return Err(SseError::LineTooLong);
        }
        Ok(out)
    }

    fn line(&mut self, line: &str, out: &mut Vec<String>) {
        if line.is_empty() {
            if self.has_data {
                out.push(std::mem::take(&mut self.data));
                self.has_data = false;
            }
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        if field == "data" {
            if self.has_data {
                self.data.push('\n');
            }
            self.data.push_str(value);
            self.has_data = true;
        }
    }
}

#[cfg(test)]
mod tests {
    //! Unit tests of SSE framing.
    use super::*;

    #[test]
    fn splits_events_across_chunks() {
        let mut p = SseParser::new();
        assert!(p.push(b"data: {\"a\"").unwrap().is_empty());
        assert_eq!(p.push(b":1}\n\ndata: 2\r\n\r\n").unwrap(), vec!["{\"a\":1}", "2"]);
    }

    #[test]
    fn ignores_comments_and_other_fields() {
        let mut p = SseParser::new();
        let out = p.push(b": heartbeat\nevent: x\nid: 4\ndata: a\ndata: b\n\n\n").unwrap();
        assert_eq!(out, vec!["a\nb"]);
    }

    #[test]
    fn rejects_endless_line() {
        let mut p = SseParser::new();
        let chunk = vec![b'x'; MAX_LINE + 1];
        assert_eq!(p.push(&chunk), Err(SseError::LineTooLong));
    }
}
