//! What the tracker remembers about one session, and the per-session event rules.
//! Tree-wide rules (roll-up of children, state precedence) live in `snapshot.rs`.

use super::limits;
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
        let (t, o) = (&self.tokens, &old.tokens);
        self.cost > old.cost
            || t.input > o.input
            || t.output > o.output
            || t.reasoning > o.reasoning
            || t.cache.read > o.cache.read
            || t.cache.write > o.cache.write
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
    pub messages: HashMap<String, Usage>,
    pub tools: Vec<ToolRun>,
    /// Own pending permissions, oldest first.
    pub permissions: Vec<Permission>,
    pub question: Option<Question>,
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
            let grew = self.messages.get(&m.id).is_none_or(|old| usage.grew_from(old));
            self.messages.insert(m.id.clone(), usage);
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
        let tool = &tool;
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
                    tool: tool.clone(),
                    summary: super::summary::tool(tool, &state.input),
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
        let sum = self.messages.values().fold(0.0, |acc, u| acc + u.cost);
        // Finite, or JSON would carry null.
        sum.max(self.info_cost).min(f64::MAX)
    }

    /// Own tokens, field by field the larger of the two sources.
    pub fn tokens(&self) -> Tokens {
        let mut sum = Tokens::default();
        for u in self.messages.values() {
            // Saturating: counts come from the wire and may be absurd.
            sum.input = sum.input.saturating_add(u.tokens.input);
            sum.output = sum.output.saturating_add(u.tokens.output);
            sum.reasoning = sum.reasoning.saturating_add(u.tokens.reasoning);
            sum.cache.read = sum.cache.read.saturating_add(u.tokens.cache.read);
            sum.cache.write = sum.cache.write.saturating_add(u.tokens.cache.write);
        }
        let i = self.info_tokens;
        sum.input = sum.input.max(i.input);
        sum.output = sum.output.max(i.output);
        sum.reasoning = sum.reasoning.max(i.reasoning);
        sum.cache.read = sum.cache.read.max(i.cache.read);
        sum.cache.write = sum.cache.write.max(i.cache.write);
        sum
    }

    /// Tokens in the context window after the latest assistant message.
    pub fn context_used(&self) -> Option<u64> {
        let Some(last) =
            self.messages.values().filter(|u| u.tokens.input > 0).max_by_key(|u| u.created)
        else {
            return self.remembered_context.0;
        };
        let t = last.tokens;
        let parts = [t.output, t.reasoning, t.cache.read, t.cache.write];
        Some(parts.into_iter().fold(t.input, u64::saturating_add))
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
