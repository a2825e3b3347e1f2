//! The hub: the tracker plus everyone who listens to it.
//!
//! Feeds push inputs in; the hub applies them to the tracker and fans the changes out to
//! subscribed clients as pre-serialised frames. It owns the coalescing rule: changes to
//! state, requests and availability go out at once; counters wait for the next flush
//! (at most one `session_updated` per session per `coalesce` interval). A client whose
//! queue is full is dropped, never waited for: one slow client must not stall the feeds.
//! Commands decide under one lock (`decide`), and a permission answered through the API is
//! reported `by: api` only once OpenCode accepted that answer (`finish_reply`).

use crate::{
    opencode::api::Api,
    protocol::{
        CommandResult, EventMsg, Permission, PermissionReply, QuestionOutcome, RemovedReason,
        Reply, ResolvedBy, ServerMsg, Session, Snapshot, State, Usage,
    },
    tracker::{Change, Input, Tracker},
};
use serde_json::Value;
use std::{
    collections::{BTreeSet, HashMap, HashSet},
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// Frames waiting for one client.
pub const CLIENT_QUEUE: usize = 1024;

/// A subscribed client's outgoing side.
#[derive(Debug, Clone)]
pub struct ClientTx {
    pub frames: mpsc::Sender<Utf8Bytes>,
    /// Notified when the hub dropped the client for falling behind.
    pub kicked: Arc<Notify>,
}

/// What decides whether a change is sent at once.
#[derive(Debug, Clone, PartialEq)]
struct Urgent {
    state: State,
    available: bool,
    permissions: Vec<String>,
    question: Option<String>,
    error: Option<(String, String)>,
}

impl Urgent {
    fn of(s: &Session) -> Self {
        Urgent {
            state: s.state,
            available: s.available,
            permissions: s.pending_permissions.iter().map(|p| p.id.clone()).collect(),
            question: s.question.as_ref().map(|q| q.id.clone()),
            error: s.error.as_ref().map(|e| (e.name.clone(), e.message.clone())),
        }
    }
}

struct Inner {
    tracker: Tracker,
    clients: HashMap<u64, ClientTx>,
    sent: HashMap<String, Urgent>,
    /// Sessions with counter changes waiting for the next flush.
    dirty: BTreeSet<String>,
    apis: HashMap<String, Api>,
    /// Permissions with an API reply in flight, and the `permission_resolved` held back
    /// when OpenCode reported the reply before answering the call.
    replying: HashMap<String, Option<EventMsg>>,
}

/// Shared state; cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Mutex<Inner>>,
    flush: Arc<Notify>,
}

impl Hub {
    /// A hub around a tracker; call `run_flusher` once to deliver coalesced updates.
    pub fn new(tracker: Tracker) -> Self {
        let inner = Inner {
            tracker,
            clients: HashMap::new(),
            sent: HashMap::new(),
            dirty: BTreeSet::new(),
            apis: HashMap::new(),
            replying: HashMap::new(),
        };
        Hub { inner: Arc::new(Mutex::new(inner)), flush: Arc::new(Notify::new()) }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves consistent-enough data; keep serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies an input at the current time and delivers what changed.
    pub fn apply(&self, input: Input) {
        self.apply_at(input, chrono::Utc::now().timestamp_millis());
    }

    /// Applies an input at a given time.
    pub fn apply_at(&self, input: Input, now: i64) {
        let mut inner = self.lock();
        let changes = inner.tracker.apply(input, now);
        if inner.deliver(changes) {
            self.flush.notify_one();
        }
    }

    /// Sends coalesced updates every `interval` while there are any. Runs forever.
    pub async fn run_flusher(self, interval: Duration) {
        loop {
            self.flush.notified().await;
            tokio::time::sleep(interval).await;
            self.lock().flush();
        }
    }

    /// Registers a subscriber; its first frame is the snapshot result for request `id`.
    pub fn subscribe(&self, client_id: u64, tx: ClientTx, id: Value) -> bool {
        let mut inner = self.lock();
        let snapshot = CommandResult::Snapshot(inner.snapshot());
        let frame = frame(&ServerMsg::Result(Reply::ok(id, snapshot)));
        if tx.frames.try_send(frame).is_err() {
            return false;
        }
        inner.clients.insert(client_id, tx);
        true
    }

    /// Forgets a subscriber.
    pub fn unsubscribe(&self, client_id: u64) {
        self.lock().clients.remove(&client_id);
    }

    /// Every session and instance, as in the subscribe result.
    pub fn snapshot(&self) -> Snapshot {
        self.lock().snapshot()
    }

    /// Runs a read-only query against the tracker.
    pub(crate) fn with_tracker<T>(&self, f: impl FnOnce(&Tracker) -> T) -> T {
        f(&self.lock().tracker)
    }

    /// Makes an instance's API reachable for commands.
    pub fn set_api(&self, instance_id: &str, api: Option<Api>) {
        let mut inner = self.lock();
        match api {
            Some(api) => inner.apis.insert(instance_id.to_owned(), api),
            None => inner.apis.remove(instance_id),
        };
    }

    /// Runs a command's decision under one lock: what it looks up and what it reserves
    /// cannot change in between.
    pub(crate) fn decide<T>(&self, f: impl FnOnce(&mut Decision<'_>) -> T) -> T {
        let mut inner = self.lock();
        f(&mut Decision { inner: &mut inner })
    }

    /// Ends an API reply begun with [`Decision::begin_reply`]. Only a reply OpenCode
    /// accepted is attributed to the API; otherwise whoever answered is reported.
    pub(crate) fn finish_reply(&self, permission_id: &str, accepted: bool) {
        let mut inner = self.lock();
        match inner.replying.remove(permission_id) {
            Some(Some(mut held)) => {
                if let EventMsg::PermissionResolved { by, .. } = &mut held {
                    if accepted {
                        *by = ResolvedBy::Api;
                    }
                }
                inner.broadcast(held);
            }
            Some(None) if accepted => {
                let input = Input::RepliedViaApi { permission_id: permission_id.to_owned() };
                let changes = inner.tracker.apply(input, chrono::Utc::now().timestamp_millis());
                if inner.deliver(changes) {
                    self.flush.notify_one();
                }
            }
            _ => {}
        }
    }

    /// A pending permission.
    pub fn permission(&self, id: &str) -> Option<Permission> {
        self.lock().tracker.find_permission(id).cloned()
    }

    /// Number of subscribed clients.
    pub fn subscribers(&self) -> usize {
        self.lock().clients.len()
    }
}

/// The hub as one command's decision sees it (see [`Hub::decide`]).
pub(crate) struct Decision<'a> {
    inner: &'a mut Inner,
}

impl Decision<'_> {
    /// The sessions and requests.
    pub(crate) fn tracker(&self) -> &Tracker {
        &self.inner.tracker
    }

    /// The API of the connected instance that owns a session, and the session's directory.
    pub(crate) fn api_for(&self, session_id: &str) -> Option<(Api, Option<String>)> {
        let tracker = &self.inner.tracker;
        let owner = tracker.owner(session_id).filter(|i| i.connected)?;
        let api = self.inner.apis.get(&owner.id)?.clone();
        Some((api, tracker.directory(session_id).map(str::to_owned)))
    }

    /// Reserves a permission for an API reply; false when one is already in flight.
    pub(crate) fn begin_reply(&mut self, permission_id: &str) -> bool {
        if self.inner.replying.contains_key(permission_id) {
            return false;
        }
        self.inner.replying.insert(permission_id.to_owned(), None);
        true
    }
}

impl Inner {
    fn snapshot(&self) -> Snapshot {
        Snapshot {
            sessions: self.tracker.sessions(),
            instances: self.tracker.instances(),
            usage: Usage::default(),
        }
    }

    /// Sends what must go now; returns whether a flush is needed.
    fn deliver(&mut self, changes: Vec<Change>) -> bool {
        let mut need_flush = false;
        let mut seen = HashSet::new();
        for c in &changes {
            let Change::Session(id) = c else { continue };
            if !seen.insert(id.as_str()) {
                continue;
            }
            let Some(s) = self.tracker.snapshot(id) else { continue };
            let urgent = Urgent::of(&s);
            if self.sent.get(id) != Some(&urgent) {
                self.sent.insert(id.clone(), urgent);
                self.dirty.remove(id);
                self.broadcast(EventMsg::SessionUpdated { session: Box::new(s) });
            } else if self.dirty.insert(id.clone()) {
                need_flush = true;
            }
        }
        for c in changes {
            let msg = match c {
                Change::Session(_) => continue,
                Change::Removed { session_id, reason } => {
                    self.sent.remove(&session_id);
                    self.dirty.remove(&session_id);
                    let reason = RemovedReason::parse(reason).unwrap_or(RemovedReason::Deleted);
                    EventMsg::SessionRemoved { session_id, reason }
                }
                // Thin: the session_updated sent above already carries the details.
                Change::PermissionRequested { root, permission } => EventMsg::PermissionRequested {
                    session_id: permission.session_id,
                    root_session_id: root,
                    permission_id: permission.id,
                },
                Change::PermissionResolved { session_id, root, permission_id, reply, by } => {
                    let held = self.replying.get_mut(&permission_id);
                    let msg = EventMsg::PermissionResolved {
                        session_id,
                        root_session_id: root,
                        permission_id,
                        reply: reply.as_deref().and_then(PermissionReply::parse),
                        by,
                    };
                    // Our reply is in flight: who answered is known once OpenCode answers it.
                    if let Some(slot) = held.filter(|_| by == ResolvedBy::Opencode) {
                        *slot = Some(msg);
                        continue;
                    }
                    msg
                }
                Change::QuestionAsked { root, question } => EventMsg::QuestionAsked {
                    session_id: question.session_id,
                    root_session_id: root,
                    question_id: question.id,
                },
                Change::QuestionResolved { session_id, root, question_id, outcome, by } => {
                    EventMsg::QuestionResolved {
                        session_id,
                        root_session_id: root,
                        question_id,
                        outcome: QuestionOutcome::parse(outcome)
                            .unwrap_or(QuestionOutcome::Expired),
                        by,
                    }
                }
                Change::InstanceConnected(instance) => EventMsg::InstanceConnected { instance },
                Change::InstanceDisconnected(instance_id) => {
                    EventMsg::InstanceDisconnected { instance_id }
                }
            };
            self.broadcast(msg);
        }
        need_flush
    }

    fn flush(&mut self) {
        for id in std::mem::take(&mut self.dirty) {
            if let Some(s) = self.tracker.snapshot(&id) {
                self.broadcast(EventMsg::SessionUpdated { session: Box::new(s) });
            }
        }
    }

    fn broadcast(&mut self, msg: EventMsg) {
        if self.clients.is_empty() {
            return;
        }
        let text = frame(&ServerMsg::Event(msg));
        self.clients.retain(|id, c| match c.frames.try_send(text.clone()) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Full(_)) => {
                tracing::warn!(client = id, "client cannot keep up; disconnecting it");
                c.kicked.notify_one();
                false
            }
            Err(mpsc::error::TrySendError::Closed(_)) => false,
        });
    }
}

/// Serialises a server frame.
pub fn frame(msg: &ServerMsg) -> Utf8Bytes {
    // Serialising our own types to a string cannot fail (no maps with non-string keys).
    Utf8Bytes::from(serde_json::to_string(msg).unwrap_or_default())
}
