//! `opencode-lookout rotate`: new secrets, and the running agent switching to them at once.
//!
//! The CLI writes a new token, key and certificate, then sends SIGHUP to the agent that
//! holds the config dir's lock (its pid is in the lock file). The agent reloads them
//! into the API's `Credentials`: new connections need the new token and get the new
//! certificate, and clients that authenticated with the old token are closed
//! (`credentials_rotated`), so a leaked pairing string is dead the moment it is rotated.

use crate::{api, config::Config, paths, secrets, tls};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// What `rotate` did.
pub struct Rotated {
    pub fingerprint: String,
    /// The pid of the running agent that was told to switch, if one runs.
    pub agent: Option<u32>,
}

/// Writes a new token and certificate to `dir` and tells a running agent. Before the
/// agent's first run there is nothing to rotate: that is an error saying so (the first
/// run makes fresh secrets anyway).
pub fn rotate(dir: &Path) -> Result<Rotated> {
    if !Config::token_path(dir).exists() {
        anyhow::bail!(
            "nothing to rotate in {}: the agent has not made a token and certificate there yet. \
             Its first run makes fresh ones (`opencode-lookout run`, or `opencode-lookout \
             install-service`); then pair Home Assistant with `opencode-lookout pair`",
            dir.display()
        );
    }
    secrets::write_private(&Config::token_path(dir), format!("{}\n", secrets::random_token()?))?;
    let id = tls::rotate(dir)?;
    Ok(Rotated { fingerprint: id.fingerprint, agent: signal_agent(dir)? })
}

/// Sends SIGHUP to the agent holding `dir`'s lock; `None` when no agent holds it.
#[cfg(unix)]
fn signal_agent(dir: &Path) -> Result<Option<u32>> {
    use std::os::unix::{fs::OpenOptionsExt, io::AsRawFd};
    let path = dir.join(paths::AGENT_LOCK);
    let file =
        match std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("cannot open {}", path.display())),
        };
    // SAFETY: flock only reads the descriptor, which `file` keeps open. Getting the lock
    // means no agent runs (it is released when `file` drops): then the pid in the file is
    // stale and must not be signalled.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_SH | libc::LOCK_NB) } == 0 {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let pid: libc::pid_t = text.trim().parse().ok().filter(|p| *p > 0).with_context(|| {
        format!(
            "the new token and certificate are written, but the running agent left no pid in \
             {} (it predates live rotation): restart it to use them",
            path.display()
        )
    })?;
    // SAFETY: kill has no memory effects; the pid is the lock holder's, a live agent.
    if unsafe { libc::kill(pid, libc::SIGHUP) } != 0 {
        return Err(std::io::Error::last_os_error())
            .with_context(|| format!("cannot signal the running agent (pid {pid})"));
    }
    Ok(u32::try_from(pid).ok())
}

#[cfg(not(unix))]
fn signal_agent(_dir: &Path) -> Result<Option<u32>> {
    Ok(None)
}

/// The agent's side: on every SIGHUP, load the secrets in `dir` and switch the API to them
/// when they changed. `fingerprint` is the certificate `credentials` serves now. A failed
/// load keeps the current ones (with a warning).
#[cfg(unix)]
pub async fn reload_on_hangup(
    dir: PathBuf,
    credentials: api::Credentials,
    mut fingerprint: String,
    plaintext: bool,
    mut hangup: tokio::signal::unix::Signal,
) {
    while hangup.recv().await.is_some() {
        match load(&dir, plaintext) {
            Ok((token, tls, fp)) => {
                if credentials.current().token == token && fingerprint == fp {
                    tracing::info!("SIGHUP: token and certificate unchanged");
                    continue;
                }
                credentials.rotate(token, tls);
                tracing::warn!(
                    fingerprint = %fp,
                    "new token and certificate (rotate): clients that authenticated with \
                     the old token were disconnected and must pair again"
                );
                fingerprint = fp;
            }
            Err(e) => tracing::warn!(
                error = %format!("{e:#}"),
                "SIGHUP: cannot load the token and certificate; keeping the current ones"
            ),
        }
    }
}

/// The token, TLS config and certificate fingerprint in `dir`.
type Loaded = (String, Option<std::sync::Arc<rustls::ServerConfig>>, String);

fn load(dir: &Path, plaintext: bool) -> Result<Loaded> {
    let token = secrets::load(&Config::token_path(dir))?;
    let id = tls::load(dir)?;
    let config = if plaintext { None } else { Some(tls::server_config(&id)?) };
    Ok((token, config, id.fingerprint))
}
