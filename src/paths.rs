//! Names of the files in the config dir, in one place. The config dir is created 0700;
//! every file marked secret is 0600 and refused when group or others can read it.

/// Optional settings (`config::FileConfig`).
pub const CONFIG: &str = "config.toml";
/// Secret: the API token Home Assistant authenticates with.
pub const TOKEN: &str = "token";
/// This agent's stable id (not secret; announced over mDNS and in `hello`).
pub const SERVER_ID: &str = "server_id";
/// Secret: the key of the plugin link's HMAC proofs.
pub const PLUGIN_SECRET: &str = "plugin_secret";
/// Secret (it holds the plugin secret): where the plugin finds the agent, written by `run`
/// once its plugin listener is bound.
pub const PLUGIN_ENDPOINT: &str = "plugin.json";
/// The plugin link's Unix domain socket (Linux and macOS), 0600.
pub const PLUGIN_SOCKET: &str = "plugin.sock";
/// Locked by the running agent so that a second `run` on the same dir stops at once.
pub const AGENT_LOCK: &str = "agent.lock";
/// The API's TLS certificate (public; its SHA-256 is the pairing fingerprint).
pub const TLS_CERT: &str = "tls.crt";
/// Secret: the API's TLS private key.
pub const TLS_KEY: &str = "tls.key";
/// The agent's store (SQLite, 0600): remembered sessions, instances and the usage ledger
/// (`store/`). SQLite keeps `-wal` and `-shm` files next to it.
pub const STORE: &str = "lookout.sqlite3";
