//! The API server's accept loop: admits each connection (`admission`) and hands it to its
//! own task (`connection`), until shutdown.

use super::{admission::Shared, connection, settings::Settings};
use crate::hub::Hub;
use std::{sync::Arc, time::Duration};
use tokio::{net::TcpListener, sync::Notify};

/// Serves the API on `listener` until `shutdown` resolves.
pub async fn run(
    listener: TcpListener,
    hub: Hub,
    settings: Settings,
    shutdown: impl std::future::Future<Output = ()>,
) {
    if settings.credentials.current().tls.is_none() {
        tracing::warn!(
            "the API is served WITHOUT TLS (--insecure-plaintext): anyone on the network can \
             read the token and the sessions; use this only for debugging"
        );
    }
    let shared = Arc::new(Shared::new(hub, settings));
    let stop = Arc::new(Notify::new());
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    // Never refused: a full pre-auth pool evicts an older connection.
                    let place = shared.admit(peer.ip());
                    let (shared, stop) = (shared.clone(), stop.clone());
                    tokio::spawn(connection::run(shared, stream, peer.ip(), place, stop));
                }
                Err(e) => {
                    // Out of file descriptors and similar: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
    stop.notify_waiters();
}
