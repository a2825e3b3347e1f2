//! Reading newline-terminated frames with a size limit, so a peer that never sends a
//! newline costs at most the limit.

use std::io;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// Reads lines of at most `max` bytes (newline excluded).
pub struct LineReader<R> {
    inner: BufReader<R>,
    buf: Vec<u8>,
    /// Longest line accepted; a longer one is an `InvalidData` error.
    pub max: usize,
}

impl<R: AsyncRead + Unpin> LineReader<R> {
    /// A reader with a small buffer: the first limit the link applies is only 4 KiB.
    pub fn new(inner: R, max: usize) -> Self {
        LineReader { inner: BufReader::with_capacity(8 * 1024, inner), buf: Vec::new(), max }
    }

    /// The next line without its newline; `None` at a clean end of stream. Cancel-safe:
    /// a partial line stays in `self` until the rest arrives.
    pub async fn next_line(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            let avail = self.inner.fill_buf().await?;
            if avail.is_empty() {
                if self.buf.is_empty() {
                    return Ok(None);
                }
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let newline = avail.iter().position(|&b| b == b'\n');
            let take = newline.unwrap_or(avail.len());
            if self.buf.len() + take > self.max {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("line longer than {} bytes", self.max),
                ));
            }
            self.buf.extend_from_slice(&avail[..take]);
            self.inner.consume(take + usize::from(newline.is_some()));
            if newline.is_some() {
                return Ok(Some(std::mem::take(&mut self.buf)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! Line splitting and the limit.
    use super::*;

    #[tokio::test]
    async fn splits_and_limits() {
        let data: &[u8] = b"ab\n\ncd\nxxxxxxxxxx\n";
        let mut r = LineReader::new(data, 4);
        assert_eq!(r.next_line().await.unwrap(), Some(b"ab".to_vec()));
        assert_eq!(r.next_line().await.unwrap(), Some(Vec::new()));
        assert_eq!(r.next_line().await.unwrap(), Some(b"cd".to_vec()));
        assert_eq!(r.next_line().await.unwrap_err().kind(), io::ErrorKind::InvalidData);
        let mut r = LineReader::new(&b"tail"[..], 8);
        assert_eq!(r.next_line().await.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
        let mut r = LineReader::new(&b""[..], 8);
        assert_eq!(r.next_line().await.unwrap(), None);
    }
}
