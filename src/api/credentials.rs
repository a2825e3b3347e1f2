//! The token and certificate the API accepts, replaceable while it runs. Owns the secrets
//! and their rotation; not who may connect (`admission`) nor how a client proves the token
//! (`connection`).

use std::sync::Arc;
use tokio::sync::watch;

/// The token and certificate the API accepts, as they are now.
pub struct Secrets {
    pub token: String,
    /// TLS (the default); `None` only with `--insecure-plaintext`.
    pub tls: Option<Arc<rustls::ServerConfig>>,
}

/// The API's current secrets, replaceable while it runs (`opencode-lookout rotate`): new
/// connections get the new ones, and every client authenticated before is closed with
/// `credentials_rotated`, since it proved only a token that is no longer valid.
#[derive(Clone)]
pub struct Credentials(Arc<watch::Sender<Arc<Secrets>>>);

impl Credentials {
    pub fn new(token: String, tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        Credentials(Arc::new(watch::Sender::new(Arc::new(Secrets { token, tls }))))
    }

    /// Replaces the secrets; authenticated clients are closed.
    pub fn rotate(&self, token: String, tls: Option<Arc<rustls::ServerConfig>>) {
        self.0.send_replace(Arc::new(Secrets { token, tls }));
    }

    pub fn current(&self) -> Arc<Secrets> {
        self.0.borrow().clone()
    }

    /// A receiver that sees the next rotation (and none before).
    pub(super) fn watch(&self) -> watch::Receiver<Arc<Secrets>> {
        self.0.subscribe()
    }
}

impl std::fmt::Debug for Credentials {
    // Never the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tls = self.current().tls.is_some();
        f.debug_struct("Credentials").field("tls", &tls).finish_non_exhaustive()
    }
}
