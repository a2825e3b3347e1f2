//! The session tracker: a pure reducer from OpenCode events to session snapshots.
//!
//! No I/O, no clocks: every input carries the time as epoch milliseconds. `apply` returns
//! what changed; the hub turns that into websocket frames. Rules (see docs/protocol.md):
//! busy/retry → working; a pending permission anywhere in the tree → waiting_permission;
//! a pending question → waiting_input; `session.error` is sticky until the next busy (an
//! abort is not an error); idle drops the session's pending requests, since OpenCode
//! leaves stale ones behind after an abort. A *run* lasts from a session leaving
//! idle/error until it is idle/error again; it ends `aborted` when OpenCode reported a
//! `MessageAbortedError` during the run (as `session.error` when a tool or request was
//! pending, only on the assistant message when text was streaming), or this agent aborted
//! it.

mod change;
mod holding;
pub mod limits;
mod plan;
mod record;
mod replies;
mod snapshot;
pub mod summary;
mod unlisted;
pub mod usage;

#[cfg(test)]
mod resync_tests;
#[cfg(test)]
mod tests;

use crate::{
    opencode::event::{
        Event, MessageInfo, PartInfo, PermissionInfo, QuestionInfo, SessionInfo, Status,
    },
    persist::UsageRow,
    protocol::{
        ErrorSummary, Instance, Permission, PermissionReply, Question, QuestionOutcome,
        RemovedReason, ResolvedBy, RunOutcome, Session, State,
    },
};
use record::Record;
use replies::Replies;
use std::{
    collections::{BTreeMap, HashMap, HashSet},
    time::Duration,
};

/// How long a session may stay unavailable before it is removed as `stale`.
pub const DEFAULT_STALE_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// Everything the tracker reacts to.
// Inputs are moved once into `apply` and never stored, so boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Input {
    /// An OpenCode process connected (or a server feed attached) whose state needs no
    /// reading (tests, replays).
    Connected(Instance),
    /// An OpenCode process connected and its state is being read: as `Connected`, but its
    /// sessions stay unavailable and its events are held until the read is applied
    /// (`Resync`) or failed (`ResyncFailed`), then the held events follow.
    Connecting(Instance),
    /// A connected instance's state is being read again (OpenCode 2's
    /// `location.shutdown`): its events are held until the read is applied or failed.
    ResyncStarted { instance_id: String },
    /// Reading an instance's state failed: the events held meanwhile are applied and its
    /// sessions become available with what the events said.
    ResyncFailed { instance_id: String },
    /// It went away; its sessions stay, unavailable.
    Disconnected { instance_id: String },
    /// One bus event from an instance.
    Event { instance_id: String, event: Event },
    /// The full state fetched over REST after a (re)connect.
    Resync { instance_id: String, data: Box<Resync> },
    /// This agent is about to send OpenCode a reply to a permission. Refused (see
    /// [`Change::ReplyRefused`]) when the permission is not pending or a reply to it is
    /// already in flight: OpenCode would only refuse the second one.
    ReplyStarted { permission_id: String },
    /// The reply begun with `ReplyStarted` ended; `accepted` when OpenCode took it. Only an
    /// accepted reply is attributed to the API (`ResolvedBy::Api`), whether OpenCode
    /// reported the `permission.replied` before or after answering the call.
    ReplyFinished { permission_id: String, accepted: bool },
    /// OpenCode answered a reply to a pending permission or question with "no such
    /// request" (a gap dropped it without an event): it is dropped as expired, so nobody
    /// keeps being offered buttons that can only fail.
    Gone { request_id: String },
    /// This agent asked OpenCode to abort a session and OpenCode accepted: the running
    /// runs of its tree end `aborted`, whatever OpenCode reports next.
    AbortedViaApi { session_id: String },
    /// Time passed (the service sends one a minute): removes sessions that stayed
    /// unavailable longer than `stale_after`.
    Tick,
}

/// The REST state of one instance.
#[derive(Debug, Clone, Default)]
pub struct Resync {
    pub sessions: Vec<SessionInfo>,
    /// Only non-idle sessions appear (OpenCode's `/session/status`).
    pub statuses: HashMap<String, Status>,
    pub permissions: Vec<PermissionInfo>,
    pub questions: Vec<QuestionInfo>,
    /// Recent messages of busy sessions, for the current tool, model and usage, and of
    /// sessions updated since the agent last saw them, for the usage they reported.
    pub messages: Vec<(MessageInfo, Vec<PartInfo>)>,
    /// Context sizes by `provider/model`.
    pub context_limits: HashMap<String, u64>,
    pub version: Option<String>,
    /// What `sessions` proves about the sessions it leaves out.
    pub listing: Listing,
    /// OpenCode has no list of pending permissions (1.0.x): those known are kept.
    pub permissions_unknown: bool,
}

/// How far a resync's session list reaches. A session in its scope that it leaves out is
/// gone from OpenCode when the list is complete, or when the session is newer (created
/// and updated later) than the oldest one listed: a list cut by a limit holds the newest.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// `None`: the list proves nothing (the default).
    pub scope: Option<Scope>,
    /// No limit cut the list.
    pub complete: bool,
}

/// Which sessions a list covers.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// Every session of the instance (OpenCode 2's service).
    All,
    /// Sessions in these directories (OpenCode 1 lists one project's sessions).
    Directories(HashSet<String>),
}

/// One consequence of an input, in the order it happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The snapshot of this session may have changed.
    Session(String),
    Removed {
        session_id: String,
        reason: RemovedReason,
    },
    PermissionRequested {
        root: String,
        permission: Permission,
    },
    PermissionResolved {
        session_id: String,
        root: String,
        permission_id: String,
        reply: Option<PermissionReply>,
        by: ResolvedBy,
    },
    QuestionAsked {
        root: String,
        question: Question,
    },
    QuestionResolved {
        session_id: String,
        root: String,
        question_id: String,
        outcome: QuestionOutcome,
        by: ResolvedBy,
    },
    InstanceConnected(Instance),
    InstanceDisconnected(String),
    /// A session left idle/error; `started` is epoch ms.
    RunStarted {
        session_id: String,
        root: String,
        started: i64,
    },
    /// A session is idle/error again.
    RunFinished {
        session_id: String,
        root: String,
        outcome: RunOutcome,
        started: i64,
        finished: i64,
        error: Option<ErrorSummary>,
        /// Why OpenCode stopped an `aborted` run, when it said (OpenCode 2).
        reason: Option<String>,
    },
    /// One assistant message's usage grew (or the message appeared).
    Usage(UsageRow),
    /// The answer to `Input::ReplyStarted`: no reply may start.
    ReplyRefused {
        permission_id: String,
    },
}

/// Tracker settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub hostname: String,
    /// Sessions kept over all instances, busy or not (see `evict`).
    pub max_sessions: usize,
}

impl Settings {
    /// Settings with the defaults for everything but the host name and session cap.
    pub fn new(hostname: impl Into<String>, max_sessions: usize) -> Self {
        Settings { hostname: hostname.into(), max_sessions }
    }
}

/// All sessions and instances the agent knows.
#[derive(Debug)]
pub struct Tracker {
    settings: Settings,
    sessions: HashMap<String, Record>,
    children: HashMap<String, Vec<String>>,
    instances: BTreeMap<String, Instance>,
    context_limits: HashMap<String, u64>,
    replies: Replies,
    stale_after: Duration,
    /// Instances whose state is being read, with the events held meanwhile.
    syncing: HashMap<String, holding::Syncing>,
}

impl Tracker {
    /// An empty tracker.
    pub fn new(settings: Settings) -> Self {
        Tracker {
            settings,
            sessions: HashMap::new(),
            children: HashMap::new(),
            instances: BTreeMap::new(),
            context_limits: HashMap::new(),
            replies: Replies::default(),
            stale_after: DEFAULT_STALE_AFTER,
            syncing: HashMap::new(),
        }
    }

    /// Sets how long a session may stay unavailable before it is removed as `stale`
    /// (default [`DEFAULT_STALE_AFTER`]).
    pub fn with_stale_after(mut self, after: Duration) -> Self {
        self.stale_after = after;
        self
    }

    /// Takes sessions and instances remembered from an earlier run of the agent. They are
    /// served unavailable (instances disconnected) until an OpenCode process reports them
    /// again: any instance whose resync lists a remembered session takes it over. Sessions
    /// and instances already known are left alone. Runs are not remembered: a remembered
    /// session seen busy again starts a new run then.
    pub fn remember(&mut self, sessions: Vec<Session>, instances: Vec<Instance>) {
        for mut inst in instances {
            inst.connected = false;
            self.instances.entry(inst.id.clone()).or_insert(inst);
        }
        for s in sessions {
            if self.sessions.contains_key(&s.id) {
                continue;
            }
            let rec = Record::remembered(&s);
            if let Some(m) = s.model.as_ref() {
                if let Some(limit) = s.context_limit {
                    self.context_limits.entry(m.clone()).or_insert(limit);
                }
            }
            let parent = rec.parent_id.clone();
            self.sessions.insert(s.id.clone(), rec);
            self.reparent(&s.id, None, parent);
        }
        // A remembered instance nobody points at is only clutter.
        let owned: HashSet<&str> = self.sessions.values().map(|r| r.instance.as_str()).collect();
        self.instances.retain(|id, i| i.connected || owned.contains(id.as_str()));
    }

    /// The state of one session, as in its snapshot.
    pub fn state(&self, id: &str) -> Option<State> {
        self.sessions.get(id)?;
        Some(self.state_of(&self.tree(id)))
    }

    /// Applies one input at time `now` (epoch ms) and says what changed.
    pub fn apply(&mut self, input: Input, now: i64) -> Vec<Change> {
        let mut out = Vec::new();
        match input {
            Input::Connecting(inst) => {
                let id = inst.id.clone();
                self.release(&id, &mut out);
                self.apply_connected(inst, &mut out);
                self.syncing.insert(id, holding::Syncing::first());
            }
            Input::ResyncStarted { instance_id } => self.hold(&instance_id),
            Input::ResyncFailed { instance_id } => self.release(&instance_id, &mut out),
            Input::Connected(inst) => {
                self.release(&inst.id, &mut out);
                self.apply_connected(inst, &mut out);
            }
            Input::Disconnected { instance_id } => {
                // What happened before the link ended still happened.
                self.release(&instance_id, &mut out);
                if let Some(i) = self.instances.get_mut(&instance_id) {
                    i.connected = false;
                    out.push(Change::InstanceDisconnected(instance_id.clone()));
                    out.extend(self.owned(&instance_id).into_iter().map(Change::Session));
                }
            }
            Input::Event { instance_id, event } => {
                if let Some(event) = self.held(&instance_id, event, now, &mut out) {
                    self.event(&instance_id, event, now, &mut out);
                }
            }
            Input::Resync { instance_id, data } => {
                self.resync(&instance_id, *data, now, &mut out);
                self.release(&instance_id, &mut out);
            }
            Input::ReplyStarted { permission_id } => {
                let pending = self.find_permission(&permission_id).is_some();
                if !pending || !self.replies.start(&permission_id) {
                    out.push(Change::ReplyRefused { permission_id });
                }
            }
            Input::ReplyFinished { permission_id, accepted } => {
                let pending = self.find_permission(&permission_id).is_some();
                out.extend(self.replies.finish(&permission_id, accepted, pending));
            }
            Input::Gone { request_id } => {
                if let Some(p) = self.find_permission(&request_id) {
                    let sid = p.session_id.clone();
                    self.drop_permission(&sid, &request_id, None, ResolvedBy::Expired, &mut out);
                }
                if let Some(q) = self.find_question(&request_id) {
                    let sid = q.session_id.clone();
                    let (outcome, by) = (QuestionOutcome::Expired, ResolvedBy::Expired);
                    self.drop_question(&sid, Some(&request_id), outcome, by, &mut out);
                }
            }
            Input::AbortedViaApi { session_id } => {
                for id in self.tree_ids(&session_id) {
                    if let Some(rec) = self.sessions.get_mut(&id) {
                        rec.aborted |= rec.run_started.is_some() || rec.busy;
                    }
                }
            }
            Input::Tick => self.expire(now, &mut out),
        }
        self.runs(now, &mut out);
        out
    }

    /// Starts and ends runs of the sessions that may have changed.
    fn runs(&mut self, now: i64, out: &mut Vec<Change>) {
        let mut seen = HashSet::new();
        let ids: Vec<String> = out
            .iter()
            .filter_map(|c| match c {
                Change::Session(id) if seen.insert(id.clone()) => Some(id.clone()),
                _ => None,
            })
            .collect();
        for id in ids {
            let Some(state) = self.state(&id) else { continue };
            let root = self.root(&id);
            let Some(rec) = self.sessions.get_mut(&id).filter(|r| !r.remembered) else {
                continue;
            };
            let active = !matches!(state, State::Idle | State::Error);
            match (active, rec.run_started) {
                (true, None) => {
                    rec.run_started = Some(now);
                    out.push(Change::RunStarted { session_id: id, root, started: now });
                }
                (false, Some(started)) => {
                    let outcome = if rec.aborted {
                        RunOutcome::Aborted
                    } else if state == State::Error {
                        RunOutcome::Error
                    } else {
                        RunOutcome::Completed
                    };
                    let error = (outcome == RunOutcome::Error).then(|| rec.error.clone()).flatten();
                    let reason = rec.interrupt_reason.take().filter(|_| rec.aborted);
                    rec.run_started = None;
                    rec.aborted = false;
                    out.push(Change::RunFinished {
                        session_id: id,
                        root,
                        outcome,
                        started,
                        finished: now.max(started),
                        error,
                        reason,
                    });
                }
                // Idle with no run: an abort flag has nothing left to end.
                (false, None) => {
                    rec.aborted = false;
                    rec.interrupt_reason = None;
                }
                (true, Some(_)) => {}
            }
        }
    }

    /// Stamps when sessions became unavailable and removes those unavailable for longer
    /// than `stale_after`.
    fn expire(&mut self, now: i64, out: &mut Vec<Change>) {
        let after = i64::try_from(self.stale_after.as_millis()).unwrap_or(i64::MAX);
        let connected: HashSet<String> =
            self.instances.values().filter(|i| i.connected).map(|i| i.id.clone()).collect();
        let mut stale = Vec::new();
        for rec in self.sessions.values_mut() {
            if connected.contains(&rec.instance) {
                rec.unavailable_since = None;
                continue;
            }
            let since = *rec.unavailable_since.get_or_insert(now);
            if now.saturating_sub(since) > after {
                stale.push(rec.id.clone());
            }
        }
        stale.sort();
        for id in stale {
            // A stale parent takes its children along; skip those already gone.
            if self.sessions.contains_key(&id) {
                self.remove(&id, RemovedReason::Stale, out);
            }
        }
    }

    /// The instances, in id order.
    pub fn instances(&self) -> Vec<Instance> {
        self.instances.values().cloned().collect()
    }

    /// The instance that owns a session, connected or not (callers check `connected`).
    pub fn owner(&self, session_id: &str) -> Option<&Instance> {
        let rec = self.sessions.get(session_id)?;
        self.instances.get(&rec.instance)
    }

    /// Finds a pending permission by id (its `session_id` names the session holding it).
    pub fn find_permission(&self, permission_id: &str) -> Option<&Permission> {
        self.sessions.values().flat_map(|r| &r.permissions).find(|p| p.id == permission_id)
    }

    /// Finds a pending question by id.
    pub fn find_question(&self, question_id: &str) -> Option<&Question> {
        self.sessions.values().filter_map(|r| r.question.as_ref()).find(|q| q.id == question_id)
    }

    /// Whether a session is tracked.
    pub fn contains(&self, session_id: &str) -> bool {
        self.sessions.contains_key(session_id)
    }

    /// The project directory of a session.
    pub fn directory(&self, session_id: &str) -> Option<&str> {
        self.sessions.get(session_id)?.directory.as_deref()
    }

    /// Number of tracked sessions.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether no session is tracked.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    fn owned(&self, instance_id: &str) -> Vec<String> {
        self.sessions.values().filter(|r| r.instance == instance_id).map(|r| r.id.clone()).collect()
    }

    fn event(&mut self, instance: &str, event: Event, now: i64, out: &mut Vec<Change>) {
        let Some(sid) = event.session_id().map(str::to_owned) else { return };
        if let Event::SessionDeleted { .. } = event {
            self.remove(&sid, RemovedReason::Deleted, out);
            return;
        }
        if matches!(event, Event::PermissionReplied { .. } | Event::QuestionResolved { .. })
            && !self.sessions.contains_key(&sid)
        {
            return;
        }
        let is_new = !self.sessions.contains_key(&sid);
        let rec = self.record(&sid, instance, now, out);
        // The live bus is per process, so whoever emits events for a session runs it.
        rec.instance = instance.to_owned();
        rec.remembered = false;
        rec.last_activity = rec.last_activity.max(now);
        match event {
            Event::SessionUpsert(info) => {
                let old_parent = rec.parent_id.clone();
                rec.apply_info(&info);
                let new_parent = rec.parent_id.clone();
                if old_parent != new_parent {
                    self.reparent(&sid, old_parent.clone(), new_parent);
                    self.moved(&sid, old_parent.as_deref(), out);
                }
            }
            Event::SessionStatus { status: Status::Idle, .. } | Event::SessionIdle { .. } => {
                self.set_idle(&sid, out);
            }
            Event::SessionStatus { .. } => {
                rec.busy = true;
                rec.error = None;
            }
            Event::SessionError { error, .. } => {
                if error.as_ref().is_some_and(|e| e.is_abort()) {
                    rec.aborted |= rec.run_started.is_some() || rec.busy;
                }
                rec.error = error.filter(|e| !e.is_abort()).map(|e| ErrorSummary {
                    message: limits::clip(&e.message(), limits::TEXT),
                    name: limits::clip(&e.name, limits::TEXT),
                });
            }
            Event::MessageUpdated(m) => {
                // An abort while text streams shows only here, not as `session.error`.
                // Live events only: a resync's recent messages may hold an older abort.
                if m.error.as_ref().is_some_and(|e| e.is_abort()) {
                    rec.aborted |= rec.run_started.is_some() || rec.busy;
                }
                if let Some(row) = rec.apply_message(&m) {
                    out.push(Change::Usage(row));
                }
            }
            Event::SessionPatch(p) => rec.apply_patch(&p),
            Event::Interrupted { reason, .. } => {
                rec.aborted |= rec.run_started.is_some() || rec.busy;
                rec.interrupt_reason = Some(limits::clip(&reason, limits::NAME));
            }
            Event::MessageRemoved { message_id, .. } => {
                rec.messages.remove(&message_id);
            }
            Event::PartUpdated(p) => rec.apply_part(&p),
            Event::PermissionAsked(p) => self.add_permission(&p, now, out),
            Event::PermissionReplied { permission_id, reply, .. } => {
                self.drop_permission(&sid, &permission_id, reply, ResolvedBy::Opencode, out);
            }
            Event::QuestionAsked(q) => self.add_question(&q, now, out),
            Event::TodoUpdated { todos, .. } => rec.plan = plan::Plan::from_todos(&todos),
            Event::QuestionResolved { question_id, rejected, .. } => {
                let outcome =
                    if rejected { QuestionOutcome::Rejected } else { QuestionOutcome::Answered };
                self.drop_question(&sid, Some(&question_id), outcome, ResolvedBy::Opencode, out);
            }
            _ => {}
        }
        self.touch_ancestors(&sid, now);
        self.changed(&sid, out);
        if is_new {
            self.evict(out);
        }
    }

    fn resync(&mut self, instance: &str, mut data: Resync, now: i64, out: &mut Vec<Change>) {
        self.context_limits.extend(std::mem::take(&mut data.context_limits));
        if let Some(i) = self.instances.get_mut(instance) {
            if data.version.is_some() {
                i.opencode_version.clone_from(&data.version);
            }
        }
        for info in &data.sessions {
            let claim = match self.sessions.get(&info.id) {
                Some(r) => r.instance == instance || !self.is_connected(&r.instance),
                None => true,
            };
            let updated = info.time.updated.or(info.time.created).unwrap_or(now);
            let rec = self.record(&info.id, instance, updated, out);
            if claim {
                rec.instance = instance.to_owned();
            }
            let old_parent = rec.parent_id.clone();
            rec.apply_info(info);
            rec.last_activity = rec.last_activity.max(updated);
            let new_parent = rec.parent_id.clone();
            if old_parent != new_parent {
                self.reparent(&info.id, old_parent.clone(), new_parent);
                self.moved(&info.id, old_parent.as_deref(), out);
            }
            // Listed sessions another instance runs change too (title, activity), and so
            // do their ancestors' roll-ups.
            self.changed(&info.id, out);
        }
        self.unlisted(instance, &data, out);
        // Ownership is settled now; the steps below only change what the sessions hold.
        let owned = self.owned(instance);
        for sid in &owned {
            let busy = data.statuses.contains_key(sid);
            let Some(rec) = self.sessions.get_mut(sid) else { continue };
            rec.busy = busy;
            rec.remembered = false;
            rec.tools.clear();
            if !busy {
                self.set_idle(sid, out);
            }
        }
        // Busy sessions this instance runs: the only ones whose live details OpenCode reports.
        let live = |r: &Record| r.instance == instance && r.busy;
        // Usage counts from every session it runs (messages of idle ones were reported
        // while the agent was not listening); tools only from busy ones.
        for (msg, parts) in &data.messages {
            let Some(rec) = self.sessions.get_mut(&msg.session_id) else { continue };
            if rec.instance != instance {
                continue;
            }
            if let Some(row) = rec.apply_message(msg) {
                out.push(Change::Usage(row));
            }
            if rec.busy {
                parts.iter().for_each(|p| rec.apply_part(p));
            }
        }
        // Pending requests: OpenCode's lists are the truth for the sessions it runs.
        let perms: Vec<_> = data
            .permissions
            .iter()
            .filter(|p| self.sessions.get(&p.session_id).is_some_and(live))
            .collect();
        let stale: Vec<(String, String)> = self
            .sessions
            .values()
            .filter(|r| r.instance == instance)
            .flat_map(|r| r.permissions.iter().map(|p| (p.session_id.clone(), p.id.clone())))
            .filter(|(_, id)| !perms.iter().any(|p| &p.id == id))
            .collect();
        for (sid, pid) in stale.into_iter().filter(|_| !data.permissions_unknown) {
            self.drop_permission(&sid, &pid, None, ResolvedBy::Expired, out);
        }
        for p in perms {
            self.add_permission(p, now, out);
        }
        let questions: Vec<_> = data
            .questions
            .iter()
            .filter(|q| self.sessions.get(&q.session_id).is_some_and(live))
            .collect();
        for sid in &owned {
            let keep =
                self.sessions.get(sid).and_then(|r| r.question.as_ref()).map(|q| q.id.clone());
            if keep.is_some_and(|id| !questions.iter().any(|q| q.id == id)) {
                self.drop_question(sid, None, QuestionOutcome::Expired, ResolvedBy::Expired, out);
            }
        }
        for q in questions {
            self.add_question(q, now, out);
        }
        // Ancestors too: their state and current agent roll up what changed here.
        for sid in &owned {
            self.changed(sid, out);
        }
        self.evict(out);
    }

    /// When each session was last active, as the agent saw it: a resync reads the
    /// messages of those OpenCode updated since.
    pub fn seen(&self) -> HashMap<String, i64> {
        self.sessions.values().map(|r| (r.id.clone(), r.last_activity)).collect()
    }

    /// Whether an instance is known and connected.
    pub fn is_connected(&self, instance: &str) -> bool {
        self.instances.get(instance).is_some_and(|i| i.connected)
    }

    fn record(
        &mut self,
        sid: &str,
        instance: &str,
        now: i64,
        out: &mut Vec<Change>,
    ) -> &mut Record {
        if !self.sessions.contains_key(sid) {
            out.push(Change::Session(sid.to_owned()));
            self.sessions.insert(sid.to_owned(), Record::new(sid, instance, now));
            // Sub-agents that named it as parent before it was known: their root changed.
            self.descendants_changed(sid, out);
        }
        self.sessions.entry(sid.to_owned()).or_insert_with(|| Record::new(sid, instance, now))
    }

    /// After a session changed parents: the old ancestors lost what they rolled up from
    /// it, and its descendants have a new root.
    fn moved(&self, sid: &str, old_parent: Option<&str>, out: &mut Vec<Change>) {
        if let Some(p) = old_parent.filter(|p| self.sessions.contains_key(*p)) {
            self.changed(p, out);
        }
        self.descendants_changed(sid, out);
    }

    /// Marks a session's descendants as changed: what they derive from it (root) moved.
    fn descendants_changed(&self, sid: &str, out: &mut Vec<Change>) {
        for id in self.tree_ids(sid).into_iter().skip(1) {
            if !out.iter().any(|c| matches!(c, Change::Session(x) if *x == id)) {
                out.push(Change::Session(id));
            }
        }
    }

    fn reparent(&mut self, sid: &str, old: Option<String>, new: Option<String>) {
        if old == new {
            return;
        }
        if let Some(kids) = old.and_then(|p| self.children.get_mut(&p)) {
            kids.retain(|k| k != sid);
        }
        if let Some(p) = new {
            let kids = self.children.entry(p).or_default();
            if !kids.iter().any(|k| k == sid) {
                kids.push(sid.to_owned());
            }
        }
    }

    fn set_idle(&mut self, sid: &str, out: &mut Vec<Change>) {
        let Some(rec) = self.sessions.get_mut(sid) else { return };
        rec.busy = false;
        rec.tools.clear();
        let stale: Vec<String> = rec.permissions.iter().map(|p| p.id.clone()).collect();
        for pid in stale {
            self.drop_permission(sid, &pid, None, ResolvedBy::Expired, out);
        }
        self.drop_question(sid, None, QuestionOutcome::Expired, ResolvedBy::Expired, out);
    }

    fn add_permission(&mut self, p: &PermissionInfo, now: i64, out: &mut Vec<Change>) {
        let Some(rec) = self.sessions.get_mut(&p.session_id) else { return };
        if rec.permissions.iter().any(|x| x.id == p.id) {
            return;
        }
        if rec.permissions.len() >= limits::PERMISSIONS_HELD {
            tracing::warn!(session = p.session_id, "too many pending permissions; not shown");
            return;
        }
        let created = p.time.created.unwrap_or(now);
        let perm = Permission {
            id: p.id.clone(),
            session_id: p.session_id.clone(),
            permission: limits::clip(&p.permission, limits::NAME),
            patterns: limits::patterns(&p.patterns),
            always: limits::patterns(&p.always),
            title: summary::permission(p),
            created: rfc3339(created),
        };
        rec.permissions.push(perm.clone());
        rec.permissions.sort_by(|a, b| a.created.cmp(&b.created));
        self.changed(&p.session_id, out);
        out.push(Change::PermissionRequested { root: self.root(&p.session_id), permission: perm });
    }

    fn drop_permission(
        &mut self,
        sid: &str,
        pid: &str,
        reply: Option<String>,
        by: ResolvedBy,
        out: &mut Vec<Change>,
    ) {
        // Replies may name a session other than the one holding the request (legacy); look everywhere.
        let holder =
            if self.sessions.get(sid).is_some_and(|r| r.permissions.iter().any(|p| p.id == pid)) {
                Some(sid.to_owned())
            } else {
                self.find_permission(pid).map(|p| p.session_id.clone())
            };
        let Some(holder) = holder else { return };
        if let Some(rec) = self.sessions.get_mut(&holder) {
            rec.permissions.retain(|p| p.id != pid);
        }
        self.changed(&holder, out);
        let (session_id, root, permission_id) =
            (holder.clone(), self.root(&holder), pid.to_owned());
        // An answer this schema does not name is still a resolution, reported without one.
        let reply = reply.as_deref().and_then(PermissionReply::parse);
        let resolved = Change::PermissionResolved { session_id, root, permission_id, reply, by };
        // Who answered is the replies' call: held back while our reply is in flight.
        out.extend(self.replies.resolved(resolved));
    }

    fn add_question(&mut self, q: &QuestionInfo, now: i64, out: &mut Vec<Change>) {
        let Some(rec) = self.sessions.get_mut(&q.session_id) else { return };
        if rec.question.as_ref().is_some_and(|x| x.id == q.id) {
            return;
        }
        let question = snapshot::question(q, now);
        rec.question = Some(question.clone());
        self.changed(&q.session_id, out);
        out.push(Change::QuestionAsked { root: self.root(&q.session_id), question });
    }

    fn drop_question(
        &mut self,
        sid: &str,
        qid: Option<&str>,
        outcome: QuestionOutcome,
        by: ResolvedBy,
        out: &mut Vec<Change>,
    ) {
        let Some(rec) = self.sessions.get_mut(sid) else { return };
        let Some(q) = rec.question.take_if(|q| qid.is_none_or(|id| id == q.id)) else { return };
        self.changed(sid, out);
        let (session_id, root) = (sid.to_owned(), self.root(sid));
        out.push(Change::QuestionResolved { session_id, root, question_id: q.id, outcome, by });
    }

    /// Removes a session and its whole sub-agent tree, expiring their requests.
    fn remove(&mut self, sid: &str, reason: RemovedReason, out: &mut Vec<Change>) {
        let ids: Vec<String> = self.tree_ids(sid);
        for id in ids.iter().rev() {
            self.remove_one(id, reason, out);
        }
    }

    fn remove_one(&mut self, sid: &str, reason: RemovedReason, out: &mut Vec<Change>) {
        let Some(rec) = self.sessions.get(sid) else { return };
        let parent = rec.parent_id.clone();
        let pids: Vec<String> = rec.permissions.iter().map(|p| p.id.clone()).collect();
        for pid in pids {
            self.drop_permission(sid, &pid, None, ResolvedBy::Expired, out);
        }
        self.drop_question(sid, None, QuestionOutcome::Expired, ResolvedBy::Expired, out);
        self.sessions.remove(sid);
        self.children.remove(sid);
        self.reparent(sid, parent.clone(), None);
        out.retain(|c| !matches!(c, Change::Session(id) if id == sid));
        out.push(Change::Removed { session_id: sid.to_owned(), reason });
        if let Some(p) = parent.filter(|p| self.sessions.contains_key(p)) {
            self.changed(&p, out);
        }
    }

    /// Keeps at most `max_sessions` sessions over all instances, busy or not, removing
    /// whole root trees: idle trees before trees with work or a pending request, least
    /// recently active first. An evicted busy session comes back with its next event
    /// (evicting the least recent one then), so a steady flood cannot grow the tracker.
    fn evict(&mut self, out: &mut Vec<Change>) {
        let max = self.settings.max_sessions;
        if self.sessions.len() <= max {
            return;
        }
        // Roots: sessions whose parent is not tracked (so orphans are evictable too).
        let mut roots: Vec<(bool, i64, String)> = self
            .sessions
            .values()
            .filter(|r| r.parent_id.as_ref().is_none_or(|p| !self.sessions.contains_key(p)))
            .map(|r| {
                let tree = self.tree(&r.id);
                let active = tree
                    .iter()
                    .any(|t| t.busy || !t.permissions.is_empty() || t.question.is_some());
                let last = tree.iter().map(|t| t.last_activity).max().unwrap_or(r.last_activity);
                (active, last, r.id.clone())
            })
            .collect();
        roots.sort();
        for (_, _, sid) in roots {
            if self.sessions.len() <= max {
                break;
            }
            self.remove(&sid, RemovedReason::Evicted, out);
        }
    }

    fn touch_ancestors(&mut self, sid: &str, now: i64) {
        let mut cur = self.sessions.get(sid).and_then(|r| r.parent_id.clone());
        for _ in 0..snapshot::MAX_DEPTH {
            let Some(p) = cur else { break };
            let Some(rec) = self.sessions.get_mut(&p) else { break };
            rec.last_activity = rec.last_activity.max(now);
            cur = rec.parent_id.clone();
        }
    }

    /// Marks a session and its ancestors as possibly changed.
    fn changed(&self, sid: &str, out: &mut Vec<Change>) {
        let mut cur = Some(sid.to_owned());
        for _ in 0..snapshot::MAX_DEPTH {
            let Some(id) = cur else { break };
            if !out.iter().rev().take(8).any(|c| matches!(c, Change::Session(x) if *x == id)) {
                out.push(Change::Session(id.clone()));
            }
            cur = self.sessions.get(&id).and_then(|r| r.parent_id.clone());
        }
    }
}

pub use crate::time::rfc3339;
