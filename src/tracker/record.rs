//! What the tracker remembers about one session, and the per-session event rules.
//! Tree-wide rules (roll-up of children, state precedence) live in `snapshot.rs`.

use super::limits;
use crate::{
    opencode::event::{MessageInfo, PartInfo, SessionInfo, Tokens},
    protocol::{ErrorSummary, Permission, Question},
};
use std::collections::HashMap;

/// Usage of one assistant message.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub cost: f64,
    pub tokens: Tokens,
    pub created: i64,
}

/// A tool call that is pending or running.
#[derive(Debug, Clone)]
pub struct ToolRun {
    pub part_id: String,
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
    pub last_activity: i64,
    pub busy: bool,
    pub error: Option<ErrorSummary>,
    pub messages: HashMap<String, Usage>,
    pub tools: Vec<ToolRun>,
    /// Own pending permissions, oldest first.
    pub permissions: Vec<Permission>,
    pub question: Option<Question>,
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
    }

    /// Takes usage, model and agent from a message.
    pub fn apply_message(&mut self, m: &MessageInfo) {
        if m.role == "assistant" {
            if let (Some(p), Some(id)) = (&m.provider_id, &m.model_id) {
                self.model = Some(model(p, id));
            }
            let usage = Usage {
                cost: m.cost.unwrap_or(0.0),
                tokens: m.tokens.unwrap_or_default(),
                created: m.time.created.unwrap_or(0),
            };
            self.messages.insert(m.id.clone(), usage);
        } else if m.role == "user" {
            set_some(&mut self.agent, &m.agent, limits::TEXT);
            let chosen = m.model.as_ref();
            let get = |k| chosen.and_then(|v| v.get(k)).and_then(|v| v.as_str());
            if let (Some(p), Some(id)) = (get("providerID"), get("modelID")) {
                self.model = Some(model(p, id));
            }
        }
    }

    /// Tracks pending and running tool calls; returns the child session a `task` runs.
    pub fn apply_part(&mut self, part: &PartInfo) {
        let (Some(tool), Some(state)) = (&part.tool, &part.state) else { return };
        if part.kind != "tool" {
            return;
        }
        let pos = self.tools.iter().position(|t| t.part_id == part.id);
        match state.status.as_str() {
            "pending" | "running" => {
                let subagent = (tool == "task")
                    .then(|| state.input.get("subagent_type").and_then(|v| v.as_str()))
                    .flatten()
                    .map(str::to_owned);
                let run = ToolRun {
                    part_id: part.id.clone(),
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
        let last =
            self.messages.values().filter(|u| u.tokens.input > 0).max_by_key(|u| u.created)?;
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
