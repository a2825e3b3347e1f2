//! The store's writer: drains the hub's `Persist` messages and writes them in batches (one
//! transaction per `WINDOW` or `MAX_BATCH` messages, never one per event) on a blocking
//! thread, prunes every `PRUNE_EVERY`, and flushes what is queued when told to stop.

use super::Store;
use crate::persist::Persist;
use std::{future::Future, time::Duration};
use tokio::{sync::mpsc, time::Instant};

/// How long the first message of a batch waits for company. Every transaction rewrites
/// whole pages (each changed session's row, the ledger's newest page, the totals), so the
/// bytes written under a steady load fall with the window: at 1 s, 20 minutes of a busy
/// day wrote 100 times the store's size. A killed agent (SIGKILL, power loss) loses at
/// most this much; SIGTERM and Ctrl-C write what is queued first.
pub const WINDOW: Duration = Duration::from_secs(10);
/// Most messages in one transaction.
pub const MAX_BATCH: usize = 4096;
/// How often retention runs while the agent runs (it also runs at open).
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Runs until `stop` completes (then writes what is queued) or every sender is gone.
/// Returns the store, or `None` when a write panicked and the store was lost.
pub async fn run(
    store: Store,
    mut rx: mpsc::UnboundedReceiver<Persist>,
    stop: impl Future<Output = ()>,
) -> Option<Store> {
    tokio::pin!(stop);
    let mut store = store;
    let mut stopping = false;
    let mut next_prune = Instant::now() + PRUNE_EVERY;
    while !stopping {
        let mut batch = Vec::new();
        let mut prune = false;
        tokio::select! {
            () = &mut stop => stopping = true,
            () = tokio::time::sleep_until(next_prune) => prune = true,
            n = rx.recv_many(&mut batch, MAX_BATCH) => {
                if n == 0 {
                    stopping = true;
                }
            }
        }
        // Gather for the rest of the window, unless told to stop.
        let deadline = Instant::now() + WINDOW;
        while !stopping && !batch.is_empty() && batch.len() < MAX_BATCH {
            let room = MAX_BATCH - batch.len();
            tokio::select! {
                () = &mut stop => stopping = true,
                () = tokio::time::sleep_until(deadline) => break,
                n = rx.recv_many(&mut batch, room) => {
                    if n == 0 {
                        stopping = true;
                    }
                }
            }
        }
        if stopping {
            while let Ok(msg) = rx.try_recv() {
                batch.push(msg);
            }
        }
        if prune {
            next_prune = Instant::now() + PRUNE_EVERY;
        }
        store = write(store, batch, prune).await?;
    }
    Some(store)
}

/// Writes one batch (and prunes when asked) on a blocking thread; a failed write is
/// logged and the batch dropped, so the agent keeps running on a full disk.
async fn write(mut store: Store, batch: Vec<Persist>, prune: bool) -> Option<Store> {
    if batch.is_empty() && !prune {
        return Some(store);
    }
    let done = tokio::task::spawn_blocking(move || {
        if !batch.is_empty() {
            if let Err(e) = store.apply(&batch) {
                tracing::warn!(error = %e, dropped = batch.len(), "cannot write to the store");
            }
        }
        if prune {
            if let Err(e) = store.prune(super::now_ms()) {
                tracing::warn!(error = %e, "cannot prune the store");
            }
        }
        store
    })
    .await;
    match done {
        Ok(store) => Some(store),
        Err(e) => {
            tracing::error!(error = %e, "the store writer failed; nothing more is remembered");
            None
        }
    }
}
