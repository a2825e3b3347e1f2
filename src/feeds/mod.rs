//! The ways OpenCode reaches the agent, and the call handle they share.
//! - `opencode_service`: OpenCode 2's shared background service, found through its
//!   registration file (default; also a V2 server named with `--opencode URL`).
//! - `plugin_link`: OpenCode 1 processes running the Lookout plugin dial in (default).
//! - `opencode_serve`: the agent is a client of `opencode serve` over HTTP + SSE
//!   (`--opencode URL`); a server that turns out to be OpenCode 2 is followed as above.

mod http;
pub mod opencode_serve;
pub mod opencode_service;
pub mod plugin_link;
pub mod resync;

use crate::opencode::api::Api;
use crate::{hub::Hub, protocol::Instance, tracker::Input};

/// Makes a freshly connected instance known and callable, and starts its resync. Its
/// sessions become available once the resync is applied (or failed); the tracker holds
/// its events until then. Returns the resync task, to abort when the connection ends first.
pub fn attach(
    hub: &Hub,
    instance: Instance,
    api: Api,
    max_sessions: usize,
) -> tokio::task::JoinHandle<()> {
    let instance_id = instance.id.clone();
    hub.set_api(&instance_id, Some(api.clone()));
    hub.apply(Input::Connecting(instance));
    resync_task(hub, instance_id, api, max_sessions)
}

/// Reads an instance's state in a task and applies it (or its failure), which releases
/// the events the tracker held meanwhile. The caller has started the holding
/// (`Input::Connecting` or `Input::ResyncStarted`).
pub(crate) fn resync_task(
    hub: &Hub,
    instance_id: String,
    api: Api,
    max_sessions: usize,
) -> tokio::task::JoinHandle<()> {
    let hub = hub.clone();
    let seen = hub.with_tracker(|t| t.seen());
    tokio::spawn(async move {
        match resync::fetch(&api, max_sessions, &seen).await {
            Ok(data) => hub.apply(Input::Resync { instance_id, data: Box::new(data) }),
            Err(e) => {
                tracing::warn!(instance = instance_id, error = %e, "resync failed");
                hub.apply(Input::ResyncFailed { instance_id });
            }
        }
    })
}

/// Marks an instance gone: its sessions stay, unavailable, and calls to it fail.
pub fn detach(hub: &Hub, instance_id: &str) {
    hub.set_api(instance_id, None);
    hub.apply(Input::Disconnected { instance_id: instance_id.to_owned() });
}
