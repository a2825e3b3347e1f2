//! What each [`Change`] tells clients: the event frame it becomes. The hub decides when
//! and to whom (coalescing, fan-out); the wording of each event is decided here, once.

use super::{rfc3339, Change};
use crate::protocol::EventMsg;

impl Change {
    /// The event this change sends to clients; `None` for what travels otherwise (session
    /// frames, the usage totals) or not at all (answers to the caller of an input).
    pub fn into_event(self) -> Option<EventMsg> {
        let event = match self {
            Change::Session(_) | Change::Usage(_) | Change::ReplyRefused { .. } => return None,
            Change::Removed { session_id, reason } => {
                EventMsg::SessionRemoved { session_id, reason }
            }
            // Thin: the session frame sent before already carries the details.
            Change::PermissionRequested { root, permission } => EventMsg::PermissionRequested {
                session_id: permission.session_id,
                root_session_id: root,
                permission_id: permission.id,
            },
            Change::PermissionResolved { session_id, root, permission_id, reply, by } => {
                EventMsg::PermissionResolved {
                    session_id,
                    root_session_id: root,
                    permission_id,
                    reply,
                    by,
                }
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
                    outcome,
                    by,
                }
            }
            Change::InstanceConnected(instance) => EventMsg::InstanceConnected { instance },
            Change::InstanceDisconnected(instance_id) => {
                EventMsg::InstanceDisconnected { instance_id }
            }
            Change::RunStarted { session_id, root, started } => EventMsg::RunStarted {
                session_id,
                root_session_id: root,
                started: rfc3339(started),
            },
            Change::RunFinished { session_id, root, outcome, started, finished, error, reason } => {
                EventMsg::RunFinished {
                    session_id,
                    root_session_id: root,
                    outcome,
                    started: rfc3339(started),
                    finished: rfc3339(finished),
                    duration_ms: u64::try_from(finished - started).unwrap_or(0),
                    error,
                    reason,
                }
            }
        };
        Some(event)
    }
}
