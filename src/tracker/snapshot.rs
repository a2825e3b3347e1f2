//! Derivation of the client-facing `Session` from records: state precedence and the
//! roll-up of sub-agent sessions into their parents.

use super::{limits, rfc3339, Record, Tracker};
use crate::{
    opencode::event::QuestionInfo,
    protocol::{Permission, Question, QuestionItem, QuestionOption, Session, State},
};

/// Deepest sub-agent nesting followed; guards against parent cycles in bad input.
pub const MAX_DEPTH: usize = 32;

impl Tracker {
    /// The snapshot of one session.
    pub fn snapshot(&self, id: &str) -> Option<Session> {
        let rec = self.sessions.get(id)?;
        let tree = self.tree(id);
        let mut permissions: Vec<Permission> =
            tree.iter().flat_map(|r| r.permissions.iter().cloned()).collect();
        permissions.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        permissions.truncate(limits::PERMISSIONS);
        let question = tree.iter().find_map(|r| r.question.clone());
        let state = self.state_of(&tree);
        let tokens = rec.tokens();
        let cost_total = tree.iter().fold(0.0, |acc, r| acc + r.cost()).min(f64::MAX);
        let limit = rec.model.as_ref().and_then(|m| self.context_limits.get(m)).copied();
        let limit = limit.or(rec.remembered_context.1);
        let instance = self.instances.get(&rec.instance);
        let project = rec.directory.as_deref().and_then(|d| d.rsplit('/').find(|s| !s.is_empty()));
        Some(Session {
            id: rec.id.clone(),
            parent_id: rec.parent_id.clone(),
            root_id: self.root(id),
            is_child: rec.parent_id.is_some(),
            instance_id: rec.instance.clone(),
            title: rec.title.clone(),
            directory: rec.directory.clone(),
            project: project.map(str::to_owned),
            state,
            model: rec.model.clone(),
            agent: rec.agent.clone(),
            current_agent: tree[1..]
                .iter()
                .find(|r| r.busy)
                .and_then(|r| r.agent.clone())
                .or_else(|| rec.tools.iter().rev().find_map(|t| t.subagent.clone())),
            current_tool: self.current_tool(&tree),
            tokens_input: tokens.input,
            tokens_output: tokens.output,
            tokens_reasoning: tokens.reasoning,
            tokens_cache_read: tokens.cache.read,
            tokens_cache_write: tokens.cache.write,
            cost: rec.cost(),
            cost_total,
            context_used: rec.context_used(),
            context_limit: limit,
            files_changed: rec.files,
            lines_added: rec.additions,
            lines_removed: rec.deletions,
            todo: rec.plan.items.clone(),
            todo_done: rec.plan.done,
            todo_total: rec.plan.total,
            created: rec.created.map(rfc3339),
            last_activity: rfc3339(rec.last_activity),
            hostname: self.settings.hostname.clone(),
            opencode_version: instance
                .and_then(|i| i.opencode_version.clone())
                .or_else(|| rec.version.clone()),
            pending_permissions: permissions,
            question,
            error: rec.error.clone(),
            available: self.serves(&rec.instance),
        })
    }

    /// A session's state from its tree (itself first): the precedence of docs/protocol.md.
    pub(super) fn state_of(&self, tree: &[&Record]) -> State {
        let Some(rec) = tree.first() else { return State::Idle };
        if tree.iter().any(|r| !r.permissions.is_empty()) {
            State::WaitingPermission
        } else if tree.iter().any(|r| r.question.is_some()) {
            State::WaitingInput
        } else if tree.iter().any(|r| r.busy) {
            State::Working
        } else if rec.error.is_some() {
            State::Error
        } else {
            State::Idle
        }
    }

    /// All sessions, most recently active first.
    pub fn sessions(&self) -> Vec<Session> {
        let mut recs: Vec<&Record> = self.sessions.values().collect();
        recs.sort_by(|a, b| b.last_activity.cmp(&a.last_activity).then_with(|| a.id.cmp(&b.id)));
        recs.iter().filter_map(|r| self.snapshot(&r.id)).collect()
    }

    /// The root of a session's tree (itself for a root session).
    pub fn root(&self, id: &str) -> String {
        self.lineage(id).last().map_or_else(|| id.to_owned(), |r| (*r).to_owned())
    }

    /// Whether `candidate` is the session `id` itself or one of its tracked ancestors.
    pub fn in_lineage(&self, id: &str, candidate: &str) -> bool {
        self.lineage(id).contains(&candidate)
    }

    /// The busy sessions below a session (its running sub-agents), deepest last.
    pub fn busy_descendants(&self, id: &str) -> Vec<String> {
        self.tree(id).iter().skip(1).filter(|r| r.busy).map(|r| r.id.clone()).collect()
    }

    /// A session followed by its tracked ancestors, nearest first.
    fn lineage<'a>(&'a self, id: &'a str) -> Vec<&'a str> {
        let mut out = vec![id];
        for _ in 0..MAX_DEPTH {
            let Some(cur) = out.last() else { break };
            match self.sessions.get(*cur).and_then(|r| r.parent_id.as_deref()) {
                Some(p) if self.sessions.contains_key(p) && !out.contains(&p) => out.push(p),
                _ => break,
            }
        }
        out
    }

    /// Ids of a session and all its descendants (depth first).
    pub(super) fn tree_ids(&self, id: &str) -> Vec<String> {
        self.tree(id).iter().map(|r| r.id.clone()).collect()
    }

    /// The session followed by all its descendants (depth first).
    pub(super) fn tree(&self, id: &str) -> Vec<&Record> {
        let mut out = Vec::new();
        let mut stack = vec![(id, 0)];
        while let Some((cur, depth)) = stack.pop() {
            let Some(rec) = self.sessions.get(cur) else { continue };
            if out.iter().any(|r: &&Record| r.id == rec.id) {
                continue;
            }
            out.push(rec);
            if depth < MAX_DEPTH {
                if let Some(kids) = self.children.get(cur) {
                    stack.extend(kids.iter().rev().map(|k| (k.as_str(), depth + 1)));
                }
            }
        }
        out
    }

    /// The deepest running tool: a sub-agent's tool says more than the parent's `task`.
    fn current_tool(&self, tree: &[&Record]) -> Option<String> {
        tree.iter()
            .rev()
            .filter(|r| r.busy || r.id == tree[0].id)
            .find_map(|r| r.tools.last())
            .map(|t| t.summary.clone())
    }
}

/// Converts a question request.
pub fn question(q: &QuestionInfo, now: i64) -> Question {
    Question {
        id: q.id.clone(),
        session_id: q.session_id.clone(),
        created: rfc3339(now),
        questions: q
            .questions
            .iter()
            .take(limits::QUESTIONS)
            .map(|i| QuestionItem {
                question: limits::clip(&i.question, limits::QUESTION),
                header: limits::clip(&i.header, limits::NAME),
                multiple: i.multiple,
                options: i
                    .options
                    .iter()
                    .take(limits::OPTIONS)
                    .map(|o| QuestionOption {
                        label: limits::clip(&o.label, limits::OPTION),
                        description: limits::clip(&o.description, limits::OPTION),
                    })
                    .collect(),
            })
            .collect(),
    }
}
