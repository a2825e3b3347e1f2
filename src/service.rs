//! `opencode-lookout run`: wires the config, the secrets, the hub, both feeds, the
//! websocket API and the mDNS advertisement together, and stops them on a signal.

use crate::{
    config::Config,
    feeds,
    hub::Hub,
    mdns, paths,
    secrets::{load_or_create, random_id, random_token, write_private},
    server,
    tracker::{Settings, Tracker},
};
use anyhow::{Context, Result};
use std::{path::Path, time::Duration};
use tokio::net::TcpListener;

/// The API token, created on first use.
pub fn token(dir: &Path) -> Result<String> {
    load_or_create(&Config::token_path(dir), random_token)
}

/// This agent's stable id, created on first use.
pub fn server_id(dir: &Path) -> Result<String> {
    load_or_create(&dir.join(paths::SERVER_ID), random_id)
}

/// This machine's name as shown in Home Assistant.
pub fn hostname() -> String {
    hostname::get().ok().and_then(|h| h.into_string().ok()).unwrap_or_else(|| "unknown-host".into())
}

/// Runs the service until SIGINT/SIGTERM.
pub async fn run(config: Config) -> Result<()> {
    let token = token(&config.dir)?;
    let server_id = server_id(&config.dir)?;
    let plugin_secret = load_or_create(&config.dir.join(paths::PLUGIN_SECRET), random_token)?;
    let hostname = hostname();

    let api_listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let plugin_addr = std::net::SocketAddr::from(([127, 0, 0, 1], config.plugin_port));
    let plugin_listener = TcpListener::bind(plugin_addr)
        .await
        .with_context(|| format!("cannot listen on {plugin_addr}"))?;
    let plugin_port = plugin_listener.local_addr()?.port();
    let api_addr = api_listener.local_addr()?;
    // Written after binding so the plugin learns the real port (port 0 picks one).
    let endpoint = serde_json::json!({"port": plugin_port, "secret": plugin_secret});
    write_private(&config.dir.join(paths::PLUGIN_ENDPOINT), &endpoint.to_string())?;

    let tracker =
        Tracker::new(Settings { hostname: hostname.clone(), max_sessions: config.max_sessions });
    let hub = Hub::new(tracker);
    tokio::spawn(hub.clone().run_flusher(config.coalesce));
    tokio::spawn(feeds::plugin::run(
        hub.clone(),
        plugin_listener,
        plugin_secret,
        config.max_sessions,
    ));
    for (i, url) in config.opencode.iter().enumerate() {
        let target = feeds::server::Target::new(
            format!("server-{}", i + 1),
            url.clone(),
            config.opencode_auth.clone(),
            config.max_sessions,
        );
        tokio::spawn(feeds::server::run(hub.clone(), target));
    }
    let _advert = if config.mdns {
        let txt = mdns::Txt { server_id: &server_id, hostname: &hostname, port: api_addr.port() };
        match mdns::advertise(txt) {
            Ok(a) => Some(a),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "mDNS advertisement unavailable");
                None
            }
        }
    } else {
        None
    };
    tracing::info!(api = %api_addr, plugin = %plugin_addr, "opencode-lookout {} running", env!("CARGO_PKG_VERSION"));
    // Machine-readable line for scripts and tests that start the agent on port 0.
    println!("opencode-lookout listening api={api_addr} plugin=127.0.0.1:{plugin_port}");
    let settings = server::Settings {
        token,
        server_id,
        hostname,
        max_clients: config.max_clients,
        auth_timeout: Duration::from_secs(10),
        auth_failures_per_minute: 5,
        ping_interval: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(30),
    };
    server::run(api_listener, hub, settings, shutdown_signal()).await;
    tracing::info!("shutting down");
    Ok(())
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
