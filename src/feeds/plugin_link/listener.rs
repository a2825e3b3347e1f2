//! Where OpenCode processes reach the agent. On Linux and macOS: a Unix domain socket in
//! the 0700 config dir, mode 0600, and a peer running as another user is refused by its
//! credentials even if the modes were loosened. Elsewhere: a loopback TCP port.
//! The endpoint file tells the plugin which one, with the shared secret.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::Path;
use tokio::io::{AsyncRead, AsyncWrite};

/// A connection of either transport.
pub trait Stream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Stream for T {}

/// The endpoint file (`paths::PLUGIN_ENDPOINT`): written by `run` once the listener is
/// bound, read by the plugin before every connection attempt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointFile {
    /// The Unix socket's absolute path (Linux, macOS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub socket: Option<String>,
    /// The loopback TCP port (other platforms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// The key of the HMAC proofs.
    pub secret: String,
}

/// The bound plugin listener.
pub enum Listener {
    #[cfg(unix)]
    Unix(tokio::net::UnixListener),
    #[cfg(not(unix))]
    Tcp(tokio::net::TcpListener),
}

impl Listener {
    /// Binds the socket in `dir` (the caller holds the agent lock, so a socket file left
    /// there is stale). `port` is used only where there are no Unix sockets.
    #[cfg(unix)]
    pub fn bind(dir: &Path, _port: u16) -> Result<(Listener, EndpointFile)> {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(crate::paths::PLUGIN_SOCKET);
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).with_context(|| format!("cannot remove {}", path.display()));
            }
            _ => {}
        }
        let listener = tokio::net::UnixListener::bind(&path).with_context(|| {
            format!(
                "cannot listen on {} (a Unix socket path must be under about 100 bytes; \
                 pick a shorter --config-dir if it is longer)",
                path.display()
            )
        })?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot chmod 600 {}", path.display()))?;
        let socket = Some(path.to_string_lossy().into_owned());
        Ok((Listener::Unix(listener), EndpointFile { socket, port: None, secret: String::new() }))
    }

    /// Binds the loopback port.
    #[cfg(not(unix))]
    pub fn bind(_dir: &Path, port: u16) -> Result<(Listener, EndpointFile)> {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let std = std::net::TcpListener::bind(addr)
            .with_context(|| format!("cannot listen on {addr}"))?;
        std.set_nonblocking(true)?;
        let listener = tokio::net::TcpListener::from_std(std)?;
        let port = Some(listener.local_addr()?.port());
        Ok((Listener::Tcp(listener), EndpointFile { socket: None, port, secret: String::new() }))
    }

    /// Where it listens, for the log.
    pub fn describe(endpoint: &EndpointFile) -> String {
        match (&endpoint.socket, endpoint.port) {
            (Some(s), _) => format!("unix:{s}"),
            (None, Some(p)) => format!("127.0.0.1:{p}"),
            (None, None) => "nowhere".to_owned(),
        }
    }

    /// The next connection; `Ok(None)` for a peer refused before reading anything from it.
    pub async fn accept(&self) -> std::io::Result<Option<Box<dyn Stream>>> {
        match self {
            #[cfg(unix)]
            Listener::Unix(l) => {
                let (stream, _) = l.accept().await?;
                // SAFETY: geteuid has no preconditions and cannot fail.
                let me = unsafe { libc::geteuid() };
                match stream.peer_cred() {
                    Ok(cred) if cred.uid() == me => Ok(Some(Box::new(stream))),
                    Ok(cred) => {
                        tracing::warn!(
                            uid = cred.uid(),
                            "plugin connection from another user refused"
                        );
                        Ok(None)
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "plugin connection without peer credentials refused");
                        Ok(None)
                    }
                }
            }
            #[cfg(not(unix))]
            Listener::Tcp(l) => {
                let (stream, peer) = l.accept().await?;
                if !peer.ip().is_loopback() {
                    return Ok(None);
                }
                let _ = stream.set_nodelay(true);
                Ok(Some(Box::new(stream)))
            }
        }
    }
}
