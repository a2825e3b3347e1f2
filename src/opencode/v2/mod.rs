//! What the agent knows of OpenCode 2 (the shared background service under `/api/`),
//! kept apart from OpenCode 1's shapes (`super::event`): both produce the one internal
//! [`Event`](super::event::Event) type and [`Resync`](crate::tracker::Resync).
//! - `registration`: where the service is and its password.
//! - `events`: `/api/event` lines onto internal events.
//! - `shapes`: GA objects onto internal ones, and form answers back.
//!
//! The state read after every (re)connect lives with the feeds (`feeds::resync::v2`).
//!
//! The contract followed is OpenCode 2.0 GA as of `services/www/public/openapi.json`
//! @01fd0c8 and the schema sources named in `docs/opencode-v2.md`.

pub mod events;
pub mod registration;
pub mod shapes;
