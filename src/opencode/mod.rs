//! Everything about talking to OpenCode: event decoding, SSE framing, and `api`, the
//! handle for REST calls to one instance (whichever feed carries them).

pub mod actions;
pub mod api;
pub mod event;
pub mod sse;
pub mod v2;
