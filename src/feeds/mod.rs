//! The two ways OpenCode reaches the agent, and the call handle they share.
//! - `plugin`: OpenCode processes running the Lookout plugin dial in (default).
//! - `server`: the agent attaches to `opencode serve` over HTTP + SSE (`--opencode URL`).

pub mod api;
pub mod plugin;
pub mod resync;
pub mod server;
