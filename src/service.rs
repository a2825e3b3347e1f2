//! `opencode-lookout run`: wires the config, the secrets, the store, the hub, both feeds,
//! the websocket API and the mDNS advertisement together, and stops them on a signal
//! (writing what the store has not yet got before exiting).

use crate::{
    api,
    config::Config,
    feeds::{
        self,
        plugin_link::{EndpointFile, Listener},
    },
    hub::Hub,
    mdns, paths,
    persist::{Persist, Remembered},
    rotation,
    secrets::{self, load_or_create, load_or_create_public, random_id, random_token},
    store::{self, Store},
    tls,
    tracker::{Input, Settings, Tracker},
};
use anyhow::{Context, Result};
use std::{path::Path, time::Duration};
use tokio::{
    net::TcpListener,
    sync::{mpsc, oneshot},
    task::JoinHandle,
};

/// How often time-based removal (stale sessions) is checked.
const TICK: Duration = Duration::from_secs(60);
/// How long shutdown waits for the store's last write.
const STORE_FLUSH_TIMEOUT: Duration = Duration::from_secs(10);

/// The API token, which the agent's `run` creates; client commands only read it. While
/// the file is missing they wait up to `AGENT_FILES_WAIT` for it, so a command started
/// together with the agent (right after `install-service`, say) gets its token instead of
/// an error, whether or not the agent has started yet.
pub fn token(dir: &Path) -> Result<String> {
    let path = Config::token_path(dir);
    wait_for(|| secrets::try_load(&path), || secrets::load(&path))
}

/// The fingerprint of the agent's certificate, waited for like [`token`].
pub fn fingerprint(dir: &Path) -> Result<String> {
    wait_for(|| tls::try_read_fingerprint(dir), || tls::read_fingerprint(dir))
}

/// What `read` finds once it finds something, polling while it finds nothing; after
/// `AGENT_FILES_WAIT`, the error of `missing`.
fn wait_for<T>(
    mut read: impl FnMut() -> Result<Option<T>>,
    missing: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let deadline = std::time::Instant::now() + AGENT_FILES_WAIT;
    loop {
        if let Some(found) = read()? {
            return Ok(found);
        }
        if std::time::Instant::now() >= deadline {
            return missing();
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `run`'s exit status when another agent holds the config dir's lock; the systemd unit
/// does not restart on it (`RestartPreventExitStatus`).
pub const EXIT_ANOTHER_AGENT: u8 = 3;

/// Another agent holds the config dir's lock.
#[derive(Debug, thiserror::Error)]
#[error(
    "another agent is already running with the config dir {0}; stop it first, or give this \
     one another --config-dir"
)]
pub struct AnotherAgent(pub std::path::PathBuf);

/// How long a client command waits for the agent to create its files. Generous: a loaded
/// machine can take seconds to start the agent's process; with no agent at all the
/// command fails after this long with a clear message.
const AGENT_FILES_WAIT: Duration = Duration::from_secs(10);

/// This machine's name as shown in Home Assistant.
pub fn hostname() -> String {
    hostname::get().ok().and_then(|h| h.into_string().ok()).unwrap_or_else(|| "unknown-host".into())
}

/// Runs the service until SIGINT/SIGTERM.
pub async fn run(config: Config) -> Result<()> {
    secrets::private_dir(&config.dir)?;
    // Held until the process exits: one agent per config dir creates its secrets and owns
    // its plugin socket.
    let lock_file = lock(&config.dir)?;
    // Before anything can send it (`rotate` reads our pid from the lock): SIGHUP's default
    // action would end the agent.
    #[cfg(unix)]
    let hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
        .context("cannot listen for SIGHUP")?;
    write_pid(&lock_file)?;
    let token = load_or_create(&Config::token_path(&config.dir), random_token)?;
    let server_id = load_or_create_public(&config.dir.join(paths::SERVER_ID), random_id)?;
    let plugin_secret = load_or_create(&config.dir.join(paths::PLUGIN_SECRET), random_token)?;
    let hostname = hostname();
    let identity = tls::load_or_create(&config.dir)?;

    let api_listener = TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let (plugin_listener, endpoint) = Listener::bind(&config.dir, config.plugin_port)?;
    let plugin_at = Listener::describe(&endpoint);
    let api_addr = api_listener.local_addr()?;
    // Written after binding so the plugin learns where to go (port 0 picks one).
    let endpoint = EndpointFile { secret: plugin_secret.clone(), ..endpoint };
    secrets::write_private(
        &config.dir.join(paths::PLUGIN_ENDPOINT),
        serde_json::to_vec(&endpoint)?,
    )?;

    let tracker =
        Tracker::new(Settings { hostname: hostname.clone(), max_sessions: config.max_sessions })
            .with_stale_after(config.stale_after);
    let (hub, writer) = match open_store(&config) {
        Some((store, remembered)) => {
            let (tx, rx) = mpsc::unbounded_channel();
            let writer = Writer::spawn(store, rx);
            (Hub::with_store(tracker, remembered, tx), Some(writer))
        }
        None => (Hub::new(tracker), None),
    };
    tokio::spawn(hub.clone().run_flusher(config.coalesce));
    tokio::spawn(tick(hub.clone()));
    tokio::spawn(feeds::plugin_link::run(
        hub.clone(),
        plugin_listener,
        plugin_secret,
        config.max_sessions,
    ));
    for (i, url) in config.opencode.iter().enumerate() {
        let target = feeds::opencode_serve::Target::new(
            format!("server-{}", i + 1),
            url.clone(),
            config.opencode_auth.clone(),
            config.max_sessions,
        );
        tokio::spawn(feeds::opencode_serve::run(hub.clone(), target));
    }
    if let Some(paths) = config.opencode_service.clone() {
        let instance_id = match config.opencode_channel.as_str() {
            "latest" | "next" => "opencode-service".to_owned(),
            channel => format!("opencode-service-{channel}"),
        };
        let service = feeds::opencode_service::Service {
            instance_id,
            paths,
            max_sessions: config.max_sessions,
        };
        tokio::spawn(feeds::opencode_service::run(hub.clone(), service));
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
    tracing::info!(api = %api_addr, plugin = %plugin_at, "opencode-lookout {} running", env!("CARGO_PKG_VERSION"));
    // Machine-readable line for scripts and tests that start the agent on port 0.
    let fingerprint = if config.insecure_plaintext { "none" } else { &identity.fingerprint };
    println!(
        "opencode-lookout listening api={api_addr} plugin={plugin_at} fingerprint={fingerprint}"
    );
    let tls = if config.insecure_plaintext { None } else { Some(tls::server_config(&identity)?) };
    let credentials = api::Credentials::new(token, tls);
    #[cfg(unix)]
    tokio::spawn(rotation::reload_on_hangup(
        config.dir.clone(),
        credentials.clone(),
        identity.fingerprint.clone(),
        config.insecure_plaintext,
        hangup,
    ));
    let mut settings = api::Settings::new(credentials, server_id, hostname);
    settings.max_clients = config.max_clients;
    api::run(api_listener, hub.clone(), settings, shutdown_signal()).await;
    tracing::info!("shutting down");
    // What waited for the next flush goes to the store too.
    hub.flush();
    if let Some(writer) = writer {
        writer.finish().await;
    }
    Ok(())
}

/// Opens the store in the config dir; without one (it cannot even be created) the agent
/// runs and remembers nothing, with a warning.
fn open_store(config: &Config) -> Option<(Store, Remembered)> {
    let path = config.dir.join(paths::STORE);
    let opened = Store::open(&path, config.retention.clone(), store::now_ms())
        .and_then(|s| s.remembered(store::now_ms()).map(|r| (s, r)));
    match opened {
        Ok((s, r)) => {
            tracing::info!(
                path = %path.display(),
                sessions = r.sessions.len(),
                instances = r.instances.len(),
                "store opened"
            );
            Some((s, r))
        }
        Err(e) => {
            tracing::warn!(error = %e, "no store: this run remembers nothing");
            None
        }
    }
}

/// The store's writer task and how to stop it.
struct Writer {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Option<Store>>,
}

impl Writer {
    fn spawn(store: Store, rx: mpsc::UnboundedReceiver<Persist>) -> Writer {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(store::writer::run(store, rx, async move {
            let _ = stopped.await;
        }));
        Writer { stop, task }
    }

    /// Writes what is queued and waits for it (bounded: a stuck disk must not hold the
    /// shutdown forever).
    async fn finish(self) {
        let _ = self.stop.send(());
        match tokio::time::timeout(STORE_FLUSH_TIMEOUT, self.task).await {
            Ok(Ok(_)) => tracing::debug!("store flushed"),
            Ok(Err(e)) => tracing::warn!(error = %e, "the store writer failed"),
            Err(_) => tracing::warn!("the store did not finish writing in time"),
        }
    }
}

/// Drives time-based removal (`Input::Tick`) once a minute.
async fn tick(hub: Hub) {
    let mut every = tokio::time::interval(TICK);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The first tick completes at once; the tracker has nothing to expire at start.
    every.tick().await;
    loop {
        every.tick().await;
        hub.apply(Input::Tick);
    }
}

/// Takes the config dir's agent lock (`paths::AGENT_LOCK`), or says another agent has it.
#[cfg(unix)]
fn lock(dir: &Path) -> Result<std::fs::File> {
    use std::os::unix::{fs::OpenOptionsExt, io::AsRawFd};
    let path = dir.join(paths::AGENT_LOCK);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    // SAFETY: flock only reads the descriptor, which `file` keeps open.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        return Err(AnotherAgent(dir.to_owned()).into());
    }
    Ok(file)
}

#[cfg(not(unix))]
fn lock(_dir: &Path) -> Result<()> {
    Ok(())
}

/// Puts our pid in the lock file we hold, for `rotate` to signal.
#[cfg(unix)]
fn write_pid(lock: &std::fs::File) -> Result<()> {
    use std::io::Write;
    let mut file = lock;
    file.set_len(0).context("cannot truncate the agent lock")?;
    file.write_all(format!("{}\n", std::process::id()).as_bytes())
        .context("cannot write the agent lock")
}

#[cfg(not(unix))]
fn write_pid(_lock: &()) -> Result<()> {
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
