//! Settings: command-line flags, `OPENCODE_LOOKOUT_*` environment variables and the
//! TOML config file, in that order of precedence, resolved into one `Config`.

use crate::store::Retention;
use anyhow::{Context, Result};
use serde::Deserialize;
use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

/// Options of `opencode-lookout run` (flags and environment).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct RunArgs {
    /// Address of the websocket API for Home Assistant [default: 0.0.0.0:7420]
    #[arg(long, env = "OPENCODE_LOOKOUT_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Loopback port of the plugin link where there are no Unix sockets; Linux and macOS
    /// use a socket in the config dir and ignore it [default: 7421]
    #[arg(long, env = "OPENCODE_LOOKOUT_PLUGIN_PORT")]
    pub plugin_port: Option<u16>,
    /// URL of an `opencode serve` server to attach to (repeatable)
    #[arg(
        long = "opencode",
        value_name = "URL",
        env = "OPENCODE_LOOKOUT_OPENCODE",
        value_delimiter = ','
    )]
    pub opencode: Vec<String>,
    /// Password for OpenCode servers started with OPENCODE_SERVER_PASSWORD
    #[arg(long, env = "OPENCODE_LOOKOUT_OPENCODE_PASSWORD", hide_env_values = true)]
    pub opencode_password: Option<String>,
    /// File holding the password for OpenCode servers (first line; keeps it off the
    /// command line)
    #[arg(long, value_name = "PATH", env = "OPENCODE_LOOKOUT_OPENCODE_PASSWORD_FILE")]
    pub opencode_password_file: Option<PathBuf>,
    /// Username for OpenCode servers [default: opencode]
    #[arg(long, env = "OPENCODE_LOOKOUT_OPENCODE_USERNAME")]
    pub opencode_username: Option<String>,
    /// OpenCode 2 release channel whose background service to follow [default: latest]
    #[arg(long, env = "OPENCODE_LOOKOUT_OPENCODE_CHANNEL")]
    pub opencode_channel: Option<String>,
    /// Do not follow OpenCode 2's registered background service
    #[arg(long, env = "OPENCODE_LOOKOUT_NO_OPENCODE_SERVICE")]
    pub no_opencode_service: bool,
    /// Sessions kept in total, busy or not; the least recently active go first [default: 200]
    #[arg(long, env = "OPENCODE_LOOKOUT_MAX_SESSIONS")]
    pub max_sessions: Option<usize>,
    /// Minimum interval between non-urgent updates of one session (counters, streamed text,
    /// model, ...), ms; state, requests and availability go out at once [default: 1000]
    #[arg(long, env = "OPENCODE_LOOKOUT_COALESCE_MS")]
    pub coalesce_ms: Option<u64>,
    /// Maximum simultaneous API clients [default: 32]
    #[arg(long, env = "OPENCODE_LOOKOUT_MAX_CLIENTS")]
    pub max_clients: Option<usize>,
    /// Days a session no longer active stays in the agent's store [default: 30]
    #[arg(long, env = "OPENCODE_LOOKOUT_RETENTION_DAYS")]
    pub retention_days: Option<u32>,
    /// Days a session may stay unavailable (its OpenCode gone) before it is removed
    /// [default: 7]
    #[arg(long, env = "OPENCODE_LOOKOUT_STALE_AFTER_DAYS")]
    pub stale_after_days: Option<u32>,
    /// Days of per-message usage kept; older days are kept as daily sums, and the totals
    /// never drop [default: 400]
    #[arg(long, env = "OPENCODE_LOOKOUT_USAGE_RETENTION_DAYS")]
    pub usage_retention_days: Option<u32>,
    /// Do not advertise the API over mDNS
    #[arg(long, env = "OPENCODE_LOOKOUT_NO_MDNS")]
    pub no_mdns: bool,
    /// Serve the API without TLS (debugging only: the token travels in clear text)
    #[arg(long)]
    pub insecure_plaintext: bool,
}

/// The config file (`config.toml` in the config dir); every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<SocketAddr>,
    pub plugin_port: Option<u16>,
    #[serde(default)]
    pub opencode: Vec<String>,
    pub opencode_password: Option<String>,
    pub opencode_password_file: Option<PathBuf>,
    pub opencode_username: Option<String>,
    pub opencode_channel: Option<String>,
    pub opencode_service: Option<bool>,
    pub max_sessions: Option<usize>,
    pub coalesce_ms: Option<u64>,
    pub max_clients: Option<usize>,
    pub mdns: Option<bool>,
    pub insecure_plaintext: Option<bool>,
    pub retention_days: Option<u32>,
    pub stale_after_days: Option<u32>,
    pub usage_retention_days: Option<u32>,
}

/// Resolved settings of the service.
#[derive(Debug, Clone)]
pub struct Config {
    pub dir: PathBuf,
    pub listen: SocketAddr,
    pub plugin_port: u16,
    pub opencode: Vec<url::Url>,
    pub opencode_auth: Option<(String, String)>,
    /// Where OpenCode 2's background service registers itself; `None` when not followed.
    pub opencode_service: Option<crate::opencode::v2::registration::Paths>,
    /// The OpenCode 2 channel followed (`latest` unless set).
    pub opencode_channel: String,
    pub max_sessions: usize,
    pub coalesce: Duration,
    pub max_clients: usize,
    pub mdns: bool,
    pub insecure_plaintext: bool,
    /// What the store keeps (`retention_days`, `max_sessions`, `usage_retention_days`).
    pub retention: Retention,
    /// How long a session may stay unavailable before it is removed as stale.
    pub stale_after: Duration,
}

/// Default API port.
pub const DEFAULT_PORT: u16 = 7420;
/// Default plugin port (loopback only; only where there are no Unix sockets).
pub const DEFAULT_PLUGIN_PORT: u16 = 7421;

/// The config dir: `--config-dir`, else `$XDG_CONFIG_HOME/opencode-lookout` or the platform's.
pub fn config_dir(flag: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(d) = flag {
        // Absolute, because the path is written into the plugin and the service file.
        return std::path::absolute(&d)
            .with_context(|| format!("invalid config dir {}", d.display()));
    }
    let base = dirs::config_dir().context("cannot find a config directory; pass --config-dir")?;
    Ok(base.join("opencode-lookout"))
}

/// Reads `config.toml` if it exists.
pub fn read_file(dir: &Path) -> Result<FileConfig> {
    let path = dir.join(crate::paths::CONFIG);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

impl Config {
    /// Merges flags/environment over the file over defaults.
    pub fn resolve(dir: PathBuf, args: RunArgs, file: FileConfig) -> Result<Config> {
        let urls = if args.opencode.is_empty() { file.opencode } else { args.opencode };
        let opencode = urls
            .iter()
            .map(|u| {
                let url =
                    url::Url::parse(u).with_context(|| format!("invalid OpenCode URL {u:?}"))?;
                anyhow::ensure!(
                    matches!(url.scheme(), "http" | "https"),
                    "OpenCode URL must be http(s): {u}"
                );
                Ok(url)
            })
            .collect::<Result<Vec<_>>>()?;
        let password_file = args.opencode_password_file.or(file.opencode_password_file);
        let from_file = match password_file {
            Some(path) => {
                let text = std::fs::read_to_string(&path).with_context(|| {
                    format!("cannot read the OpenCode password file {}", path.display())
                })?;
                Some(text.lines().next().unwrap_or_default().trim().to_owned())
            }
            None => None,
        };
        let password = args
            .opencode_password
            .or(from_file)
            .or(file.opencode_password)
            .or_else(|| std::env::var("OPENCODE_SERVER_PASSWORD").ok())
            .filter(|p| !p.is_empty());
        let channel =
            args.opencode_channel.or(file.opencode_channel).unwrap_or_else(|| "latest".into());
        anyhow::ensure!(
            !channel.is_empty()
                && channel.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "opencode_channel must be letters, digits, - or _: {channel:?}"
        );
        let follow_service = !args.no_opencode_service && file.opencode_service.unwrap_or(true);
        let opencode_service = if follow_service {
            crate::opencode::v2::registration::Paths::from_env(&channel)
        } else {
            None
        };
        let username = args
            .opencode_username
            .or(file.opencode_username)
            .or_else(|| std::env::var("OPENCODE_SERVER_USERNAME").ok())
            .unwrap_or_else(|| "opencode".into());
        let max_sessions = args.max_sessions.or(file.max_sessions).unwrap_or(200);
        anyhow::ensure!(max_sessions > 0, "max_sessions must be at least 1");
        let days = |flag: Option<u32>, file: Option<u32>, default: u32, name: &str| {
            let d = flag.or(file).unwrap_or(default);
            anyhow::ensure!(d > 0, "{name} must be at least 1");
            Ok(d)
        };
        let retention = Retention {
            session_days: days(args.retention_days, file.retention_days, 30, "retention_days")?,
            max_sessions,
            usage_days: days(
                args.usage_retention_days,
                file.usage_retention_days,
                400,
                "usage_retention_days",
            )?,
        };
        let stale_days = days(args.stale_after_days, file.stale_after_days, 7, "stale_after_days")?;
        Ok(Config {
            dir,
            listen: args
                .listen
                .or(file.listen)
                .unwrap_or(SocketAddr::from(([0, 0, 0, 0], DEFAULT_PORT))),
            plugin_port: args.plugin_port.or(file.plugin_port).unwrap_or(DEFAULT_PLUGIN_PORT),
            opencode,
            opencode_auth: password.map(|p| (username, p)),
            opencode_service,
            opencode_channel: channel,
            max_sessions,
            coalesce: Duration::from_millis(args.coalesce_ms.or(file.coalesce_ms).unwrap_or(1000)),
            max_clients: args.max_clients.or(file.max_clients).unwrap_or(32).max(1),
            mdns: !args.no_mdns && file.mdns.unwrap_or(true),
            insecure_plaintext: args.insecure_plaintext || file.insecure_plaintext.unwrap_or(false),
            retention,
            stale_after: Duration::from_secs(u64::from(stale_days) * 86_400),
        })
    }

    /// Path of the API token.
    pub fn token_path(dir: &Path) -> PathBuf {
        dir.join(crate::paths::TOKEN)
    }
}

#[cfg(test)]
mod tests {
    //! Precedence of flags over the file over defaults.
    use super::*;

    #[test]
    fn flags_win_over_file() {
        let file: FileConfig = toml::from_str(
            "max_sessions = 5\nopencode = [\"http://127.0.0.1:4096\"]\nmdns = false",
        )
        .unwrap();
        let args = RunArgs { max_sessions: Some(7), ..Default::default() };
        let c = Config::resolve(PathBuf::from("/x"), args, file).unwrap();
        assert_eq!(
            (c.max_sessions, c.opencode.len(), c.mdns, c.listen.port()),
            (7, 1, false, 7420)
        );
        assert!(toml::from_str::<FileConfig>("bogus = 1").is_err());
        let bad = FileConfig { opencode: vec!["ftp://x".into()], ..Default::default() };
        assert!(Config::resolve(PathBuf::from("/x"), RunArgs::default(), bad).is_err());
    }

    #[test]
    fn retention_settings() {
        let c = Config::resolve(PathBuf::from("/x"), RunArgs::default(), FileConfig::default())
            .unwrap();
        assert_eq!(c.retention, Retention { session_days: 30, max_sessions: 200, usage_days: 400 });
        assert_eq!(c.stale_after, Duration::from_secs(7 * 86_400));
        assert_eq!(c.coalesce, Duration::from_millis(1000), "one frame per session per second");
        let file: FileConfig = toml::from_str(
            "retention_days = 3\nstale_after_days = 2\nusage_retention_days = 90\nmax_sessions = 9",
        )
        .unwrap();
        let args = RunArgs { retention_days: Some(5), ..Default::default() };
        let c = Config::resolve(PathBuf::from("/x"), args, file).unwrap();
        assert_eq!(c.retention, Retention { session_days: 5, max_sessions: 9, usage_days: 90 });
        assert_eq!(c.stale_after, Duration::from_secs(2 * 86_400));
        let zero = FileConfig { stale_after_days: Some(0), ..Default::default() };
        let err = Config::resolve(PathBuf::from("/x"), RunArgs::default(), zero).unwrap_err();
        assert!(err.to_string().contains("stale_after_days must be at least 1"), "{err}");
    }
}
