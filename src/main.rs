//! The `opencode-lookout` command line: parses arguments and calls the library.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use opencode_lookout::{
    client,
    config::{self, Config, RunArgs},
    install,
    protocol::{Command, CommandResult, PermissionReply},
    service,
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
    /// Print the API token Home Assistant needs (created on first use)
    Token,
    /// Install the Lookout plugin into OpenCode's global plugin folder
    InstallPlugin,
    /// Remove the Lookout plugin from OpenCode's global plugin folder
    UninstallPlugin,
    /// List the sessions a running agent sees
    Sessions {
        /// Print JSON instead of a table
        #[arg(long)]
        json: bool,
        /// Agent URL [default: ws://127.0.0.1:<port from the config>]
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
        /// Agent URL [default: ws://127.0.0.1:<port from the config>]
        #[arg(long)]
        url: Option<String>,
    },
    /// Install a user service (systemd on Linux, launchd on macOS) that runs the agent
    InstallService,
    /// Remove the user service
    UninstallService,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    match real_main(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
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
            Ok(())
        }
        Cmd::InstallPlugin => {
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
            let url = agent_url(&dir, url)?;
            let result = runtime()?.block_on(client::request(
                &url,
                &service::token(&dir)?,
                Command::ListSessions,
            ))?;
            let CommandResult::Snapshot(snapshot) = result else {
                anyhow::bail!("the agent answered list_sessions with something else");
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&snapshot.sessions)?);
            } else {
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
            let url = agent_url(&dir, url)?;
            let cmd = Command::ReplyPermission {
                session_id: None,
                permission_id: permission_id.clone(),
                reply,
                message,
            };
            runtime()?.block_on(client::request(&url, &service::token(&dir)?, cmd))?;
            println!("{permission_id}: {}", reply.as_str());
            Ok(())
        }
        Cmd::InstallService => install::install_service(&dir),
        Cmd::UninstallService => install::uninstall_service(),
    }
}

/// The local agent's URL: explicit, else the configured port on loopback.
fn agent_url(dir: &std::path::Path, url: Option<String>) -> Result<String> {
    if let Some(u) = url {
        return Ok(u);
    }
    let file = config::read_file(dir)?;
    let args = RunArgs {
        listen: std::env::var("OPENCODE_LOOKOUT_LISTEN").ok().and_then(|l| l.parse().ok()),
        ..Default::default()
    };
    let config = Config::resolve(dir.to_owned(), args, file)?;
    Ok(format!("ws://127.0.0.1:{}/", config.listen.port()))
}
