//! The websocket API: the agent's listening side of the socket Home Assistant and the CLI
//! connect to (the client side is `crate::client`).
//! - `server`: the accept loop.
//! - `admission`: the budgets connection tasks share (client slots, failure budget).
//! - `preauth`: the pre-auth pool (places per address or /64, eviction, reserved places).
//! - `credentials`: the token and certificate, and their rotation.
//! - `settings`: the server's limits and timers.
//! - `connection`: one client: TLS, upgrade, `hello`, `auth`, then commands and events.
//! - `commands`: one function per command that reaches OpenCode.

mod admission;
mod commands;
mod connection;
pub mod credentials;
mod preauth;
pub mod server;
pub mod settings;

pub use credentials::Credentials;
pub use server::run;
pub use settings::Settings;
