//! The hub: the tracker plus everyone who listens to it.
//!
//! Feeds push inputs in; the hub applies them to the tracker and fans the changes out to
//! subscribed clients as pre-serialised frames. It keeps the last `Session` it *sent* for
//! each session and sends later changes as `session_changed` deltas against it; on
//! `subscribe` it first brings every client up to date, so the new client's snapshot is
//! exactly what the others hold and the same deltas apply to all of them. It owns the
//! coalescing rule: changes to state, requests, errors and availability go out at once;
//! the rest waits for the next flush (at most one frame per session per `coalesce`
//! interval), as do the machine's usage totals. A client whose queue is full is dropped,
//! never waited for: one slow client must not stall the feeds. Commands decide under one
//! lock (`decide`); who answered a permission is the tracker's call (`Input::ReplyStarted`,
//! `Input::ReplyFinished`). With a store attached (`with_store`) it also says what to
//! remember (`persist::Persist`). It decides when and to whom, not what: the fields of a
//! delta are `Session::diff`, each change's event is `Change::into_event`, a frame's text
//! is `ServerMsg::frame`, and the usage totals are counted by `tracker::usage::Ledger`.

use crate::{
    opencode::api::Api,
    persist::{Persist, Remembered, UsageRow},
    protocol::{CommandResult, EventMsg, Permission, Reply, ServerMsg, Session, Snapshot, State},
    tracker::{rfc3339, usage::Ledger, Change, Input, Tracker},
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
    /// The session as last sent to clients: the base of the next delta.
    sent: HashMap<String, Session>,
    /// Sessions with changes waiting for the next flush.
    dirty: BTreeSet<String>,
    apis: HashMap<String, Api>,
    /// The machine's usage totals and what they were counted from.
    ledger: Ledger,
    usage_dirty: bool,
    store: Option<Store>,
}

/// Where the hub's persist messages go, and the sessions to write at the next flush.
struct Store {
    tx: mpsc::UnboundedSender<Persist>,
    sessions: BTreeSet<String>,
}

/// Shared state; cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Mutex<Inner>>,
    flush: Arc<Notify>,
}

impl Hub {
    /// A hub around a tracker that remembers nothing; call `run_flusher` once to deliver
    /// coalesced updates.
    pub fn new(tracker: Tracker) -> Self {
        Self::build(tracker, Remembered::default(), None)
    }

    /// A hub that starts from what the store remembered (served unavailable until their
    /// OpenCode is back, see [`Tracker::remember`]) and sends what to remember to `tx`:
    /// each changed session at most once per flush, removals, instances on connect and
    /// disconnect, and every growth of a message's usage.
    pub fn with_store(
        tracker: Tracker,
        remembered: Remembered,
        tx: mpsc::UnboundedSender<Persist>,
    ) -> Self {
        Self::build(tracker, remembered, Some(Store { tx, sessions: BTreeSet::new() }))
    }

    fn build(mut tracker: Tracker, remembered: Remembered, store: Option<Store>) -> Self {
        let Remembered { sessions, instances, mut usage, ledger } = remembered;
        tracker.remember(sessions, instances);
        if usage.since.is_empty() {
            usage.since = rfc3339(chrono::Utc::now().timestamp_millis());
        }
        let inner = Inner {
            tracker,
            clients: HashMap::new(),
            sent: HashMap::new(),
            dirty: BTreeSet::new(),
            apis: HashMap::new(),
            ledger: Ledger::new(usage, ledger),
            usage_dirty: false,
            store,
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
            self.flush();
        }
    }

    /// Sends what waits for the next flush now (e.g. before shutting down, so the store
    /// gets the latest sessions).
    pub fn flush(&self) {
        self.lock().flush();
    }

    /// Registers a subscriber; its first frame is the snapshot result for request `id`.
    pub fn subscribe(&self, client_id: u64, tx: ClientTx, id: Value) -> bool {
        let mut inner = self.lock();
        // Everyone gets what is pending first: the snapshot is then exactly what every
        // client holds, so the next deltas are valid for the new client too.
        let sessions = inner.sync_all();
        inner.flush();
        let snapshot = CommandResult::Snapshot(Snapshot {
            sessions,
            instances: inner.tracker.instances(),
            usage: inner.ledger.usage().clone(),
        });
        let frame = ServerMsg::Result(Reply::ok(id, snapshot)).frame();
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
        f(&mut Decision { inner: &mut inner, flush: &self.flush })
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
    flush: &'a Notify,
}

impl Decision<'_> {
    /// The sessions and requests.
    pub(crate) fn tracker(&self) -> &Tracker {
        &self.inner.tracker
    }

    /// The API of the connected instance that owns a session, and the session's directory.
    pub(crate) fn api_for(&self, session_id: &str) -> Option<(Api, Option<String>)> {
        let tracker = &self.inner.tracker;
        let owner = tracker.owner(session_id).filter(|i| tracker.serves(&i.id))?;
        let api = self.inner.apis.get(&owner.id)?.clone();
        Some((api, tracker.directory(session_id).map(str::to_owned)))
    }

    /// Applies an input at the current time within the decision, delivers what changed and
    /// returns it (e.g. `Input::ReplyStarted`, answered by `Change::ReplyRefused`).
    pub(crate) fn apply(&mut self, input: Input) -> Vec<Change> {
        let changes = self.inner.tracker.apply(input, chrono::Utc::now().timestamp_millis());
        if self.inner.deliver(changes.clone()) {
            self.flush.notify_one();
        }
        changes
    }
}

impl Inner {
    fn snapshot(&self) -> Snapshot {
        Snapshot {
            sessions: self.tracker.sessions(),
            instances: self.tracker.instances(),
            usage: self.ledger.usage().clone(),
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
            match self.sent.get(id) {
                Some(old) if Urgent::of(old) == Urgent::of(&s) => {
                    need_flush |= self.dirty.insert(id.clone());
                }
                _ => {
                    self.dirty.remove(id);
                    self.send_session(s);
                }
            }
        }
        for c in changes {
            match &c {
                Change::Usage(row) => need_flush |= self.count(row),
                Change::Removed { session_id, .. } => {
                    let id = session_id.clone();
                    self.dirty.remove(&id);
                    if let Some(store) = &mut self.store {
                        store.sessions.remove(&id);
                        let _ = store.tx.send(Persist::Removed(id.clone()));
                    }
                    // Created and removed by the same input: no client ever saw it.
                    if self.sent.remove(&id).is_none() {
                        continue;
                    }
                    self.broadcast_change(c);
                    // Removed and back within one input (evicted, then its event re-created
                    // it): clients get it whole again.
                    if let Some(s) = self.tracker.snapshot(&id) {
                        self.dirty.remove(&id);
                        self.send_session(s);
                    }
                    continue;
                }
                Change::InstanceConnected(instance) => {
                    self.persist(Persist::Instance(instance.clone()));
                }
                Change::InstanceDisconnected(instance_id) => {
                    let gone = self.tracker.instances().into_iter().find(|i| i.id == *instance_id);
                    if let Some(i) = gone {
                        self.persist(Persist::Instance(i));
                    }
                }
                _ => {}
            }
            self.broadcast_change(c);
        }
        need_flush || self.store.as_ref().is_some_and(|s| !s.sessions.is_empty())
    }

    /// Sends a session: whole when clients have not seen it, else the fields that changed.
    fn send_session(&mut self, s: Session) {
        let msg = match self.sent.get(&s.id) {
            Some(old) if *old == s => return,
            // Nobody to tell: only the base of later deltas moves.
            _ if self.clients.is_empty() => None,
            None => Some(EventMsg::SessionUpdated { session: Box::new(s.clone()) }),
            Some(old) => {
                Some(EventMsg::SessionChanged { session_id: s.id.clone(), fields: old.diff(&s) })
            }
        };
        if let Some(store) = &mut self.store {
            store.sessions.insert(s.id.clone());
        }
        self.sent.insert(s.id.clone(), s);
        if let Some(msg) = msg {
            self.broadcast(msg);
        }
    }

    /// Brings every client up to date with every session; returns the sessions as sent,
    /// most recently active first.
    fn sync_all(&mut self) -> Vec<Session> {
        self.dirty.clear();
        let sessions = self.tracker.sessions();
        for s in &sessions {
            self.send_session(s.clone());
        }
        sessions
    }

    /// Counts a message's usage growth into the totals; true when they changed.
    fn count(&mut self, row: &UsageRow) -> bool {
        let Some(merged) = self.ledger.count(row) else { return false };
        self.usage_dirty = true;
        self.persist(Persist::Usage(merged));
        true
    }

    fn persist(&self, p: Persist) {
        if let Some(store) = &self.store {
            // The store gone means the agent is shutting down; nothing to do about it.
            let _ = store.tx.send(p);
        }
    }

    fn flush(&mut self) {
        for id in std::mem::take(&mut self.dirty) {
            if let Some(s) = self.tracker.snapshot(&id) {
                self.send_session(s);
            }
        }
        if std::mem::take(&mut self.usage_dirty) {
            self.broadcast(EventMsg::UsageUpdated { usage: self.ledger.usage().clone() });
        }
        if let Some(store) = &mut self.store {
            for id in std::mem::take(&mut store.sessions) {
                if let Some(s) = self.sent.get(&id) {
                    let _ = store.tx.send(Persist::Session(Box::new(s.clone())));
                }
            }
        }
    }

    /// Sends a change's event, if it has one, to every client.
    fn broadcast_change(&mut self, change: Change) {
        if let Some(msg) = change.into_event() {
            self.broadcast(msg);
        }
    }

    fn broadcast(&mut self, msg: EventMsg) {
        if self.clients.is_empty() {
            return;
        }
        let text = ServerMsg::Event(msg).frame();
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
