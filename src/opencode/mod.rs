//! Everything about talking to OpenCode: event decoding, SSE framing, REST calls.

pub mod event;
pub mod sse;
