//! The state of one OpenCode instance, read after every (re)connect (and, for OpenCode 2,
//! every `location.shutdown`) in the line it speaks. The tracker reconciles it with what
//! it already knows.

mod v1;
mod v2;

use crate::{
    opencode::api::{Api, Line},
    protocol::ApiError,
    tracker::Resync,
};

/// Fetches sessions, statuses, pending requests and model limits.
pub async fn fetch(api: &Api, max_sessions: usize) -> Result<Resync, ApiError> {
    match api.line() {
        Line::V1 => v1::fetch(api, max_sessions).await,
        Line::V2 => Ok(v2::fetch(api, max_sessions).await?),
    }
}
