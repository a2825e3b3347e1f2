//! The session tracker: a pure reducer from OpenCode events to session snapshots.
//!
//! No I/O, no clocks: every input carries the time as epoch milliseconds. `apply` returns
//! what changed; the hub turns that into websocket frames. Rules (see docs/protocol.md):
//! busy/retry → working; a pending permission anywhere in the tree → waiting_permission;
//! a pending question → waiting_input; `session.error` is sticky until the next busy (an
//! abort is not an error); idle drops the session's pending requests, since OpenCode
//! leaves stale ones behind after an abort.

pub mod limits;
mod record;
mod snapshot;
pub mod summary;

#[cfg(test)]
mod tests;

use crate::{
    opencode::event::{
        Event, MessageInfo, PartInfo, PermissionInfo, QuestionInfo, SessionInfo, Status,
    },
    protocol::{ErrorSummary, Instance, Permission, Question, ResolvedBy},
};
use record::Record;
use std::collections::{hash_map::Entry, BTreeMap, HashMap, HashSet};

/// Everything the tracker reacts to.
// Inputs are moved once into `apply` and never stored, so boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Input {
    /// An OpenCode process connected (or a server feed attached).
    Connected(Instance),
    /// It went away; its sessions stay, unavailable.
    Disconnected { instance_id: String },
    /// One bus event from an instance.
    Event { instance_id: String, event: Event },
    /// The full state fetched over REST after a (re)connect.
    Resync { instance_id: String, data: Box<Resync> },
    /// A permission reply that this agent sent and OpenCode accepted, before OpenCode
    /// reported it: its `permission.replied` is then attributed to the API.
    RepliedViaApi { permission_id: String },
}

/// The REST state of one instance.
#[derive(Debug, Clone, Default)]
pub struct Resync {
    pub sessions: Vec<SessionInfo>,
    /// Only non-idle sessions appear (OpenCode's `/session/status`).
    pub statuses: HashMap<String, Status>,
    pub permissions: Vec<PermissionInfo>,
    pub questions: Vec<QuestionInfo>,
    /// Recent messages of busy sessions, for the current tool, model and usage.
    pub messages: Vec<(MessageInfo, Vec<PartInfo>)>,
    /// Context sizes by `provider/model`.
    pub context_limits: HashMap<String, u64>,
    pub version: Option<String>,
}

/// One consequence of an input, in the order it happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The snapshot of this session may have changed.
    Session(String),
    Removed {
        session_id: String,
        reason: &'static str,
    },
    PermissionRequested {
        root: String,
        permission: Permission,
    },
    PermissionResolved {
        session_id: String,
        root: String,
        permission_id: String,
        reply: Option<String>,
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
        outcome: &'static str,
        by: ResolvedBy,
    },
    InstanceConnected(Instance),
    InstanceDisconnected(String),
}

/// Tracker settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub hostname: String,
    /// Sessions kept over all instances, busy or not (see `evict`).
    pub max_sessions: usize,
}

/// All sessions and instances the agent knows.
#[derive(Debug)]
pub struct Tracker {
    settings: Settings,
    sessions: HashMap<String, Record>,
    children: HashMap<String, Vec<String>>,
    instances: BTreeMap<String, Instance>,
    context_limits: HashMap<String, u64>,
    api_replies: HashSet<String>,
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
            api_replies: HashSet::new(),
        }
    }

    /// Applies one input at time `now` (epoch ms) and says what changed.
    pub fn apply(&mut self, input: Input, now: i64) -> Vec<Change> {
        let mut out = Vec::new();
        match input {
            Input::Connected(mut inst) => {
                inst.connected = true;
                // Forget plugin processes that are gone and own nothing any more.
                let owned: HashSet<&str> =
                    self.sessions.values().map(|r| r.instance.as_str()).collect();
                self.instances
                    .retain(|id, i| i.connected || owned.contains(id.as_str()) || *id == inst.id);
                self.instances.insert(inst.id.clone(), inst.clone());
                out.push(Change::InstanceConnected(inst));
            }
            Input::Disconnected { instance_id } => {
                if let Some(i) = self.instances.get_mut(&instance_id) {
                    i.connected = false;
                    out.push(Change::InstanceDisconnected(instance_id.clone()));
                    out.extend(self.owned(&instance_id).into_iter().map(Change::Session));
                }
            }
            Input::Event { instance_id, event } => self.event(&instance_id, event, now, &mut out),
            Input::Resync { instance_id, data } => self.resync(&instance_id, *data, now, &mut out),
            // Only for a request still pending: its `permission.replied` is yet to come.
            Input::RepliedViaApi { permission_id } => {
                if self.find_permission(&permission_id).is_some() {
                    self.api_replies.insert(permission_id);
                }
            }
        }
        out
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
            self.remove(&sid, "deleted", out);
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
        rec.last_activity = rec.last_activity.max(now);
        match event {
            Event::SessionUpsert(info) => {
                let old_parent = rec.parent_id.clone();
                rec.apply_info(&info);
                let new_parent = rec.parent_id.clone();
                self.reparent(&sid, old_parent, new_parent);
            }
            Event::SessionStatus { status: Status::Idle, .. } | Event::SessionIdle { .. } => {
                self.set_idle(&sid, out);
            }
            Event::SessionStatus { .. } => {
                rec.busy = true;
                rec.error = None;
            }
            Event::SessionError { error, .. } => {
                rec.error = error.filter(|e| !e.is_abort()).map(|e| ErrorSummary {
                    message: limits::clip(&e.message(), limits::TEXT),
                    name: limits::clip(&e.name, limits::TEXT),
                });
            }
            Event::MessageUpdated(m) => rec.apply_message(&m),
            Event::MessageRemoved { message_id, .. } => {
                rec.messages.remove(&message_id);
            }
            Event::PartUpdated(p) => rec.apply_part(&p),
            Event::PermissionAsked(p) => self.add_permission(&p, now, out),
            Event::PermissionReplied { permission_id, reply, .. } => {
                let by = if self.api_replies.remove(&permission_id) {
                    ResolvedBy::Api
                } else {
                    ResolvedBy::Opencode
                };
                self.drop_permission(&sid, &permission_id, reply, by, out);
            }
            Event::QuestionAsked(q) => self.add_question(&q, now, out),
            Event::QuestionResolved { question_id, rejected, .. } => {
                let outcome = if rejected { "rejected" } else { "answered" };
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

    fn resync(&mut self, instance: &str, data: Resync, now: i64, out: &mut Vec<Change>) {
        self.context_limits.extend(data.context_limits);
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
            self.reparent(&info.id, old_parent, new_parent);
        }
        // Ownership is settled now; the steps below only change what the sessions hold.
        let owned = self.owned(instance);
        for sid in &owned {
            let busy = data.statuses.contains_key(sid);
            let Some(rec) = self.sessions.get_mut(sid) else { continue };
            rec.busy = busy;
            rec.tools.clear();
            if !busy {
                self.set_idle(sid, out);
            }
        }
        // Busy sessions this instance runs: the only ones whose live details OpenCode reports.
        let live = |r: &Record| r.instance == instance && r.busy;
        for (msg, parts) in &data.messages {
            if let Some(rec) = self.sessions.get_mut(&msg.session_id).filter(|r| live(r)) {
                rec.apply_message(msg);
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
        for (sid, pid) in stale {
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
                self.drop_question(sid, None, "expired", ResolvedBy::Expired, out);
            }
        }
        for q in questions {
            self.add_question(q, now, out);
        }
        out.extend(owned.into_iter().map(Change::Session));
        self.evict(out);
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
        match self.sessions.entry(sid.to_owned()) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                out.push(Change::Session(sid.to_owned()));
                e.insert(Record::new(sid, instance, now))
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
        self.drop_question(sid, None, "expired", ResolvedBy::Expired, out);
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
        self.api_replies.remove(pid);
        if let Some(rec) = self.sessions.get_mut(&holder) {
            rec.permissions.retain(|p| p.id != pid);
        }
        self.changed(&holder, out);
        let (session_id, root, permission_id) =
            (holder.clone(), self.root(&holder), pid.to_owned());
        out.push(Change::PermissionResolved { session_id, root, permission_id, reply, by });
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
        outcome: &'static str,
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
    fn remove(&mut self, sid: &str, reason: &'static str, out: &mut Vec<Change>) {
        let ids: Vec<String> = self.tree_ids(sid);
        for id in ids.iter().rev() {
            self.remove_one(id, reason, out);
        }
    }

    fn remove_one(&mut self, sid: &str, reason: &'static str, out: &mut Vec<Change>) {
        let Some(rec) = self.sessions.get(sid) else { return };
        let parent = rec.parent_id.clone();
        let pids: Vec<String> = rec.permissions.iter().map(|p| p.id.clone()).collect();
        for pid in pids {
            self.drop_permission(sid, &pid, None, ResolvedBy::Expired, out);
        }
        self.drop_question(sid, None, "expired", ResolvedBy::Expired, out);
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
            self.remove(&sid, "evicted", out);
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

/// Formats epoch milliseconds as RFC 3339 UTC.
pub fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
