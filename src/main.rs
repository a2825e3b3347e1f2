//! The `opencode-lookout` command line: parses arguments and calls the library.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use opencode_lookout::{
    client,
    config::{self, Config, RunArgs},
    install, paths,
    protocol::{Command, CommandResult, Pairing, PermissionReply},
    rotation, service, store,
};
use std::{path::PathBuf, process::ExitCode};

/// Watch and steer OpenCode sessions from Home Assistant.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Config directory [default: $XDG_CONFIG_HOME/opencode-lookout]
    #[arg(long, global = true, env = "OPENCODE_LOOKOUT_CONFIG_DIR")]
    config_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Run the agent (the default when no command is given)
    Run(RunArgs),
    /// Print the API token alone, for scripts (Home Assistant wants `pair`'s string)
    Token,
    /// Print the pairing string to paste into Home Assistant: port, certificate
    /// fingerprint and token
    Pair,
    /// Make a new API token and TLS certificate (Home Assistant must then be paired again)
    Rotate,
    /// Install the Lookout plugin into OpenCode's global plugin folder
    InstallPlugin,
    /// Remove the Lookout plugin from OpenCode's global plugin folder
    UninstallPlugin,
    /// List the sessions a running agent sees
    Sessions {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
        /// Agent URL [default: wss://127.0.0.1:<port from the config>]
        #[arg(long)]
        url: Option<String>,
    },
    /// Answer a pending permission request (default: approve once)
    Approve {
        /// The permission id (`per_...`), as `sessions` shows it
        permission_id: String,
        /// Approve, and allow the same patterns from now on
        #[arg(long, conflicts_with = "reject")]
        always: bool,
        /// Reject instead of approving
        #[arg(long)]
        reject: bool,
        /// With --reject: feedback the model sees
        #[arg(long, requires = "reject")]
        message: Option<String>,
        /// Agent URL [default: wss://127.0.0.1:<port from the config>]
        #[arg(long)]
        url: Option<String>,
    },
    /// Spend and tokens per day and model, from the agent's usage ledger (works while the
    /// agent runs)
    Usage {
        /// Start of the period: `7d`, `24h` or a day `YYYY-MM-DD` (UTC) [default: everything]
        #[arg(long)]
        since: Option<String>,
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
    },
    /// Install a user service (systemd on Linux, launchd on macOS) that runs the agent
    InstallService,
    /// Remove the user service
    UninstallService,
}

/// Log targets that would print frame or request contents below info.
const QUIET_TARGETS: &[&str] = &[
    "tungstenite",
    "tokio_tungstenite",
    "rustls",
    "tokio_rustls",
    "hyper",
    "hyper_util",
    "reqwest",
    "h2",
    "mdns_sd",
];

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // These libraries log frame and request contents (tokens, prompts) at debug and trace;
    // capped here so that no RUST_LOG setting reaches them.
    for target in QUIET_TARGETS {
        if let Ok(d) = format!("{target}=info").parse() {
            filter = filter.add_directive(d);
        }
    }
    // Colours only for a person at a terminal: a service's stderr goes to the journal or
    // a file, where escape codes are noise.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(ansi)
        .init();
    match real_main(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<service::AnotherAgent>().is_some() {
                return ExitCode::from(service::EXIT_ANOTHER_AGENT);
            }
            ExitCode::FAILURE
        }
    }
}

fn real_main(cli: Cli) -> Result<()> {
    let dir = config::config_dir(cli.config_dir)?;
    let runtime = || {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("cannot start tokio")
    };
    match cli.command.unwrap_or(Cmd::Run(RunArgs::default())) {
        Cmd::Run(args) => {
            let config = Config::resolve(dir.clone(), args, config::read_file(&dir)?)?;
            runtime()?.block_on(service::run(config))
        }
        Cmd::Token => {
            println!("{}", service::token(&dir)?);
            eprintln!("Home Assistant asks for the pairing string: `opencode-lookout pair`.");
            Ok(())
        }
        Cmd::Pair => {
            let pairing = Pairing {
                port: resolve(&dir)?.listen.port(),
                fingerprint: service::fingerprint(&dir)?,
                token: service::token(&dir)?,
            };
            println!("{pairing}");
            eprintln!(
                "This is the pairing string (API port, certificate fingerprint and token): paste \
                 it into Home Assistant when it asks for one. Keep it secret like a password."
            );
            Ok(())
        }
        Cmd::Rotate => {
            let rotated = rotation::rotate(&dir)?;
            println!("new token and certificate {}", rotated.fingerprint);
            match rotated.agent {
                Some(pid) => println!(
                    "the running agent (pid {pid}) switched to them and closed the connections \
                     made with the old token"
                ),
                None => println!("no agent is running; it uses them when it starts"),
            }
            println!("pair Home Assistant again with `opencode-lookout pair`");
            Ok(())
        }
        Cmd::InstallPlugin => {
            if let Some(version) = install::opencode_version().filter(|v| install::is_v2(v)) {
                println!("{}", install::V2_NEEDS_NO_PLUGIN.replace("{version}", &version));
                return Ok(());
            }
            let path = install::install_plugin(&dir)?;
            println!("installed the Lookout plugin at {}", path.display());
            println!("restart running OpenCode processes to load it");
            Ok(())
        }
        Cmd::UninstallPlugin => {
            match install::uninstall_plugin()? {
                Some(path) => println!("removed {}", path.display()),
                None => println!("the Lookout plugin was not installed"),
            }
            Ok(())
        }
        Cmd::Sessions { json, url } => {
            let (addr, trust) = agent_address(&dir, url)?;
            let token = service::token(&dir)?;
            let result = runtime()?.block_on(client::request(
                &addr,
                &trust,
                &token,
                Command::ListSessions,
            ))?;
            let CommandResult::Snapshot(snapshot) = result else {
                anyhow::bail!("the agent answered list_sessions with something else");
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&snapshot.sessions)?);
            } else {
                print!("{}", client::followed(&snapshot.instances));
                print!("{}", client::table(&snapshot.sessions));
            }
            Ok(())
        }
        Cmd::Approve { permission_id, always, reject, message, url } => {
            let reply = match (always, reject) {
                (_, true) => PermissionReply::Reject,
                (true, _) => PermissionReply::Always,
                _ => PermissionReply::Once,
            };
            let (addr, trust) = agent_address(&dir, url)?;
            let cmd = Command::ReplyPermission {
                session_id: None,
                permission_id: permission_id.clone(),
                reply,
                message,
            };
            runtime()?.block_on(client::request(&addr, &trust, &service::token(&dir)?, cmd))?;
            println!("{permission_id}: {}", reply.as_str());
            Ok(())
        }
        Cmd::Usage { since, json } => {
            let now = store::now_ms();
            let since_ms = match since {
                Some(s) => Some(store::report::parse_since(&s, now).with_context(|| {
                    format!("--since {s:?}: give a number of days (7d), hours (24h) or a day (2026-11-01)")
                })?),
                None => None,
            };
            let conn = store::file::open_read_only(&dir.join(paths::STORE))?;
            let report = store::report::report(&conn, since_ms)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                print!("{}", store::report::table(&report));
            }
            Ok(())
        }
        Cmd::InstallService => install::install_service(&dir),
        Cmd::UninstallService => install::uninstall_service(),
    }
}

/// The config as `run` would resolve it (flags of `run` aside).
fn resolve(dir: &std::path::Path) -> Result<Config> {
    let file = config::read_file(dir)?;
    let args = RunArgs {
        listen: std::env::var("OPENCODE_LOOKOUT_LISTEN").ok().and_then(|l| l.parse().ok()),
        ..Default::default()
    };
    Config::resolve(dir.to_owned(), args, file)
}

/// Where the local agent listens and how to trust it: the URL given (`wss://` pinned to
/// this config dir's certificate, `ws://` only for `--insecure-plaintext` agents), else
/// the configured port on loopback.
fn agent_address(dir: &std::path::Path, url: Option<String>) -> Result<(String, client::Trust)> {
    let config = resolve(dir)?;
    let default_trust = || -> Result<client::Trust> {
        Ok(if config.insecure_plaintext {
            client::Trust::Plaintext
        } else {
            client::Trust::Pinned(service::fingerprint(dir)?)
        })
    };
    let Some(url) = url else {
        return Ok((format!("127.0.0.1:{}", config.listen.port()), default_trust()?));
    };
    let (trust, rest) = if let Some(rest) = url.strip_prefix("wss://") {
        (client::Trust::Pinned(service::fingerprint(dir)?), rest)
    } else if let Some(rest) = url.strip_prefix("ws://") {
        (client::Trust::Plaintext, rest)
    } else if url.contains("://") {
        anyhow::bail!(
            "--url {url}: the agent speaks wss:// (give wss://HOST:PORT or HOST:PORT), or ws:// \
             when it runs with --insecure-plaintext"
        );
    } else {
        (default_trust()?, url.as_str())
    };
    Ok((rest.trim_end_matches('/').to_owned(), trust))
}
