//! What the tracker remembers about one session, and the per-session event rules.
//! Tree-wide rules (roll-up of children, state precedence) live in `snapshot.rs`.

use super::{limits, plan::Plan};
use crate::persist::UsageRow;
use crate::{
    opencode::event::{CacheTokens, MessageInfo, PartInfo, SessionInfo, SessionPatch, Tokens},
    protocol::{ErrorSummary, Permission, Question, Session, State},
};
use serde_json::Value;
use std::collections::HashMap;

/// Usage of one assistant message.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub cost: f64,
    pub tokens: Tokens,
    pub created: i64,
}

impl Usage {
    /// Whether any counter is larger than in `old`.
    fn grew_from(&self, old: &Usage) -> bool {
        self.cost > old.cost || self.tokens.exceeds(&old.tokens)
    }
}

/// Messages whose usage a record keeps one by one; older ones are folded into a sum.
pub const MESSAGES_KEPT: usize = 64;

/// The usage of a session's assistant messages: the latest [`MESSAGES_KEPT`] one by one
/// (a streaming message grows, a resync reports the last few again), the older ones folded
/// into one sum, so that a long session costs no more memory than a short one and its sums
/// stay exact. A folded message reported again is not counted a second time: anything
/// created no later than the newest folded message and not kept is taken as folded.
#[derive(Debug, Clone, Default)]
pub struct Messages {
    kept: HashMap<String, Usage>,
    /// The sums of the folded messages (`created` unused).
    folded: Usage,
    /// The newest `created` among the folded messages.
    folded_until: Option<i64>,
}

impl Messages {
    /// Takes a reading of a message's usage; true when it is new or grew. A message folded
    /// already is left as counted (false).
    pub fn update(&mut self, id: &str, usage: Usage) -> bool {
        if let Some(old) = self.kept.get_mut(id) {
            let grew = usage.grew_from(old);
            *old = usage;
            return grew;
        }
        if self.folded_until.is_some_and(|t| usage.created != 0 && usage.created <= t) {
            return false;
        }
        self.kept.insert(id.to_owned(), usage);
        if self.kept.len() > MESSAGES_KEPT {
            self.fold_oldest();
        }
        true
    }

    fn fold_oldest(&mut self) {
        let oldest = self.kept.iter().min_by(|a, b| (a.1.created, a.0).cmp(&(b.1.created, b.0)));
        let Some(id) = oldest.map(|(id, _)| id.clone()) else { return };
        let Some(u) = self.kept.remove(&id) else { return };
        self.folded.cost = (self.folded.cost + u.cost).min(f64::MAX);
        self.folded.tokens = self.folded.tokens.saturating_add(&u.tokens);
        self.folded_until = Some(self.folded_until.map_or(u.created, |t| t.max(u.created)));
    }

    /// Forgets a message OpenCode removed (a folded one stays in the sums).
    pub fn remove(&mut self, id: &str) {
        self.kept.remove(id);
    }

    /// Messages kept one by one.
    #[cfg(test)]
    pub fn kept(&self) -> usize {
        self.kept.len()
    }

    /// Cost over every message seen.
    pub fn cost(&self) -> f64 {
        self.kept.values().fold(self.folded.cost, |acc, u| acc + u.cost)
    }

    /// Tokens over every message seen.
    pub fn tokens(&self) -> Tokens {
        self.kept.values().fold(self.folded.tokens, |acc, u| acc.saturating_add(&u.tokens))
    }

    /// The latest message that reported input tokens, by creation time.
    fn latest(&self) -> Option<&Usage> {
        self.kept.values().filter(|u| u.tokens.input > 0).max_by_key(|u| u.created)
    }
}

/// A tool call that is pending or running.
#[derive(Debug, Clone)]
pub struct ToolRun {
    pub part_id: String,
    pub tool: String,
    pub summary: String,
    /// For `task` calls: the sub-agent it runs.
    pub subagent: Option<String>,
}

/// The tracker's record of one session.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub id: String,
    pub parent_id: Option<String>,
    pub instance: String,
    pub title: Option<String>,
    pub directory: Option<String>,
    pub agent: Option<String>,
    pub model: Option<String>,
    pub version: Option<String>,
    /// Totals from `Session.cost/tokens` (1.18+); a lower bound next to the message sums.
    pub info_cost: f64,
    pub info_tokens: Tokens,
    pub files: u64,
    pub additions: u64,
    pub deletions: u64,
    pub created: Option<i64>,
    /// OpenCode's `time.updated`, as last reported.
    pub updated: Option<i64>,
    pub last_activity: i64,
    pub busy: bool,
    pub error: Option<ErrorSummary>,
    pub messages: Messages,
    pub tools: Vec<ToolRun>,
    /// Own pending permissions, oldest first.
    pub permissions: Vec<Permission>,
    pub question: Option<Question>,
    /// The session's todo list.
    pub plan: Plan,
    /// When the current run began (agent clock), while the session is busy.
    pub run_started: Option<i64>,
    /// The current run was aborted (OpenCode's `MessageAbortedError` or our own abort).
    pub aborted: bool,
    /// Why OpenCode interrupted the current run, as it said it (OpenCode 2).
    pub interrupt_reason: Option<String>,
    /// Since when the session's instance is gone (stamped by the first `Tick` after).
    pub unavailable_since: Option<i64>,
    /// Context figures of a remembered snapshot, until messages are seen again.
    pub remembered_context: (Option<u64>, Option<u64>),
    /// Known only from an earlier run of the agent: its state is as last seen, not live,
    /// so it starts no run until OpenCode reports it.
    pub remembered: bool,
}

impl Record {
    /// A record for a session known only by id so far.
    pub fn new(id: &str, instance: &str, now: i64) -> Self {
        Record {
            id: id.to_owned(),
            instance: instance.to_owned(),
            last_activity: now,
            ..Default::default()
        }
    }

    /// A record rebuilt from a snapshot an earlier run of the agent served: the same
    /// values, its own pending requests, no messages or tools.
    pub fn remembered(s: &Session) -> Self {
        let ms =
            |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok().map(|d| d.timestamp_millis());
        Record {
            id: s.id.clone(),
            parent_id: s.parent_id.clone(),
            instance: s.instance_id.clone(),
            title: s.title.clone(),
            directory: s.directory.clone(),
            agent: s.agent.clone(),
            model: s.model.clone(),
            version: s.opencode_version.clone(),
            info_cost: s.cost,
            info_tokens: Tokens {
                input: s.tokens_input,
                output: s.tokens_output,
                reasoning: s.tokens_reasoning,
                cache: CacheTokens { read: s.tokens_cache_read, write: s.tokens_cache_write },
            },
            files: s.files_changed,
            additions: s.lines_added,
            deletions: s.lines_removed,
            created: s.created.as_deref().and_then(ms),
            last_activity: ms(&s.last_activity).unwrap_or(0),
            // Shown as it was last seen; the next resync says what is true now.
            busy: s.state == State::Working,
            error: s.error.clone(),
            permissions: s
                .pending_permissions
                .iter()
                .filter(|p| p.session_id == s.id)
                .cloned()
                .collect(),
            question: s.question.clone().filter(|q| q.session_id == s.id),
            plan: Plan { items: s.todo.clone(), done: s.todo_done, total: s.todo_total },
            remembered_context: (s.context_used, s.context_limit),
            remembered: true,
            ..Default::default()
        }
    }

    /// Takes the fields of a `Session` object.
    pub fn apply_info(&mut self, info: &SessionInfo) {
        self.parent_id = info.parent_id.clone().filter(|p| !p.is_empty());
        set_some(&mut self.title, &info.title, limits::TITLE);
        set_some(&mut self.directory, &info.directory, limits::TEXT);
        set_some(&mut self.agent, &info.agent, limits::TEXT);
        set_some(&mut self.version, &info.version, limits::TEXT);
        if let Some(m) = &info.model {
            if !m.id.is_empty() {
                self.model = Some(model(&m.provider_id, &m.id));
            }
        }
        if let Some(c) = info.cost {
            self.info_cost = c;
        }
        if let Some(t) = info.tokens {
            self.info_tokens = t;
        }
        if let Some(s) = info.summary {
            (self.files, self.additions, self.deletions) = (s.files, s.additions, s.deletions);
        }
        if info.time.created.is_some() {
            self.created = info.time.created;
        }
        if let Some(u) = info.time.updated {
            self.updated = Some(self.updated.map_or(u, |old| old.max(u)));
        }
    }

    /// Takes the fields a partial update carries.
    pub fn apply_patch(&mut self, p: &SessionPatch) {
        set_some(&mut self.title, &p.title, limits::TITLE);
        set_some(&mut self.directory, &p.directory, limits::TEXT);
        set_some(&mut self.agent, &p.agent, limits::TEXT);
        if let Some(m) = p.model.as_ref().filter(|m| !m.id.is_empty()) {
            self.model = Some(model(&m.provider_id, &m.id));
        }
        if let Some(c) = p.cost.filter(|c| c.is_finite() && *c >= 0.0) {
            self.info_cost = c;
        }
        if let Some(t) = p.tokens {
            self.info_tokens = t;
        }
    }

    /// Takes usage, model and agent from a message; returns the message's usage row when
    /// it grew (or appeared).
    pub fn apply_message(&mut self, m: &MessageInfo) -> Option<UsageRow> {
        if m.role == "assistant" {
            // A message that names no model (OpenCode 2 names it when the step starts)
            // ran on the session's current one.
            let msg_model = match (&m.provider_id, &m.model_id) {
                (Some(p), Some(id)) => Some(model(p, id)),
                _ => self.model.clone(),
            };
            if msg_model.is_some() {
                self.model.clone_from(&msg_model);
            }
            let usage = Usage {
                // Finite and non-negative, or sums and JSON break.
                cost: m.cost.filter(|c| c.is_finite() && *c > 0.0).unwrap_or(0.0),
                tokens: m.tokens.unwrap_or_default(),
                created: m.time.created.unwrap_or(0),
            };
            // The ledger's rows are its own: it decides what a reading adds to the totals.
            let grew = self.messages.update(&m.id, usage);
            return grew.then(|| UsageRow {
                message_id: m.id.clone(),
                session_id: self.id.clone(),
                model: msg_model,
                time_ms: usage.created,
                tokens_input: usage.tokens.input,
                tokens_output: usage.tokens.output,
                tokens_reasoning: usage.tokens.reasoning,
                tokens_cache_read: usage.tokens.cache.read,
                tokens_cache_write: usage.tokens.cache.write,
                cost: usage.cost,
            });
        } else if m.role == "user" {
            set_some(&mut self.agent, &m.agent, limits::TEXT);
            let chosen = m.model.as_ref();
            let get = |k| chosen.and_then(|v| v.get(k)).and_then(|v| v.as_str());
            if let (Some(p), Some(id)) = (get("providerID"), get("modelID")) {
                self.model = Some(model(p, id));
            }
        }
        None
    }

    /// Tracks pending and running tool calls; returns the child session a `task` runs.
    pub fn apply_part(&mut self, part: &PartInfo) {
        let Some(state) = &part.state else { return };
        if part.kind != "tool" {
            return;
        }
        let pos = self.tools.iter().position(|t| t.part_id == part.id);
        // OpenCode 2 names the tool when its input starts and sends the input later.
        let known = pos.map(|i| self.tools[i].tool.clone());
        let Some(tool) = part.tool.clone().or(known) else { return };
        match state.status.as_str() {
            "pending" | "running" => {
                // V1's `task` names the agent `subagent_type`, OpenCode 2's `subagent` `agent`.
                let input = &state.input;
                let subagent = matches!(tool.as_str(), "task" | "subagent")
                    .then(|| input.get("subagent_type").or_else(|| input.get("agent")))
                    .flatten()
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                let run = ToolRun {
                    part_id: part.id.clone(),
                    summary: super::summary::tool(&tool, &state.input),
                    tool,
                    subagent,
                };
                match pos {
                    Some(i) => self.tools[i] = run,
                    None => self.tools.push(run),
                }
            }
            _ => {
                if let Some(i) = pos {
                    self.tools.remove(i);
                }
            }
        }
    }

    /// Own cost: the larger of the session total and the sum over seen messages.
    pub fn cost(&self) -> f64 {
        let sum = self.messages.cost();
        // Finite, or JSON would carry null.
        sum.max(self.info_cost).min(f64::MAX)
    }

    /// Own tokens, field by field the larger of the two sources.
    pub fn tokens(&self) -> Tokens {
        self.messages.tokens().max(&self.info_tokens)
    }

    /// Tokens in the context window after the latest assistant message.
    pub fn context_used(&self) -> Option<u64> {
        let Some(last) = self.messages.latest() else {
            return self.remembered_context.0;
        };
        Some(last.tokens.total())
    }
}

/// Takes a non-empty value, clipped to `max` characters.
fn set_some(dst: &mut Option<String>, src: &Option<String>, max: usize) {
    if let Some(v) = src.as_ref().filter(|v| !v.is_empty()) {
        *dst = Some(limits::clip(v, max));
    }
}

/// `provider/model`, clipped.
fn model(provider: &str, id: &str) -> String {
    limits::clip(&format!("{provider}/{id}"), limits::TEXT)
}

#[cfg(test)]
mod tests {
    //! A record's memory does not grow with the length of its session; its sums stay exact.
    use super::*;

    fn assistant(id: &str, created: i64, output: u64, cost: f64) -> MessageInfo {
        serde_json::from_value(serde_json::json!({
            "id": id, "sessionID": "ses_long", "role": "assistant", "cost": cost,
            "providerID": "fake", "modelID": "fake-model",
            "tokens": {"input": 10, "output": output, "reasoning": 0, "cache": {"read": 1, "write": 0}},
            "time": {"created": created},
        }))
        .unwrap()
    }

    #[test]
    fn a_long_session_keeps_a_bounded_map_and_exact_sums() {
        let mut rec = Record::new("ses_long", "plugin-1-0", 0);
        const N: u64 = 100_000;
        let mut rows = 0u64;
        for i in 0..N {
            let id = format!("msg_{i:06}");
            let created = i64::try_from(i).unwrap() + 1;
            // Each message streams: a first reading, then its final one.
            rows += u64::from(rec.apply_message(&assistant(&id, created, 1, 0.0)).is_some());
            rows += u64::from(rec.apply_message(&assistant(&id, created, 2, 0.25)).is_some());
        }
        assert!(rec.messages.kept() <= MESSAGES_KEPT, "{} messages kept", rec.messages.kept());
        assert_eq!(rows, 2 * N, "every reading that grew is a ledger row");
        let t = rec.tokens();
        assert_eq!((t.input, t.output, t.cache.read), (10 * N, 2 * N, N));
        assert_eq!(rec.cost(), 0.25 * N as f64);
        assert_eq!(rec.context_used(), Some(13), "the latest message is kept");
        // An old message reported again (a resync) is not counted twice, a kept one grows.
        rec.apply_message(&assistant("msg_000001", 2, 2, 0.25));
        rec.apply_message(&assistant(&format!("msg_{:06}", N - 1), 100_000, 3, 0.25));
        let t = rec.tokens();
        assert_eq!((t.input, t.output), (10 * N, 2 * N + 1));
    }
}
