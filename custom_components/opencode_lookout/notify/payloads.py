"""Payloads of the phone notifications and the action ids of their buttons.

An action id is ``OPENCODE_LOOKOUT_<verb>_<nonce>``: what to do, and a one-time random
nonce of that notification (state.py) that says which request it answers and which
phones may answer it. Taps resolve without ``action_data`` (Android does not send it).
"""

from dataclasses import dataclass
from typing import Any

from ..client import Permission, Question, Reply
from ..const import ACTION_PREFIX, DOMAIN, EVENT_COMPLETED
from .texts import Texts

CLEAR = "clear_notification"
# Verbs of permission actions and the reply each one sends.
PERMISSION_REPLIES = {
    "ONCE": Reply.ONCE,
    "ALWAYS": Reply.ALWAYS,
    "REJECT": Reply.REJECT,
}
ANSWER = "ANSWER_"  # + the index of a question option
REPLY = "REPLY"  # a typed answer to a question
MAX_OPTIONS = 3  # Android shows three actions


@dataclass(frozen=True, kw_only=True)
class Origin:
    """Where a notification comes from: agent, machine and session."""

    server_id: str
    machine: str
    session_id: str
    session_title: str
    device_id: str | None

    @property
    def title(self) -> str:
        """Return the notification title naming machine and session."""
        return f"{self.machine} · {self.session_title}"


def action_id(verb: str, nonce: str) -> str:
    """Return the action id of one button."""
    return f"{ACTION_PREFIX}_{verb}_{nonce}"


def parse_action(action: Any) -> tuple[str, str] | None:
    """Return (verb, nonce) of one of our action ids, else None."""
    if not isinstance(action, str) or not action.startswith(f"{ACTION_PREFIX}_"):
        return None
    verb, _, nonce = action.removeprefix(f"{ACTION_PREFIX}_").rpartition("_")
    return (verb, nonce) if verb and nonce else None


def format_duration(seconds: int) -> str:
    """Return a short duration such as 45 s, 2 min 5 s or 1 h 3 min."""
    hours, rest = divmod(max(seconds, 0), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


def _data(origin: Origin, tag: str, *, urgent: bool = False) -> dict[str, Any]:
    """Return the data shared by our notifications."""
    data: dict[str, Any] = {"tag": tag, "group": f"{DOMAIN}_{origin.server_id}"}
    if origin.device_id:
        page = f"/config/devices/device/{origin.device_id}"
        data |= {"url": page, "clickAction": page}
    if urgent:
        # Deliver at once (Android) and through Focus modes (iOS); a re-send with
        # the same tag replaces the notification without alerting again.
        data |= {
            "ttl": 0,
            "priority": "high",
            "alert_once": True,
            "push": {"interruption-level": "time-sensitive"},
        }
    return data


def permission_payload(
    texts: Texts,
    origin: Origin,
    permission: Permission,
    nonce: str,
    note: str | None = None,
) -> dict[str, Any]:
    """Return the notify call of a permission request: Approve, Always, Reject."""
    lines = [permission.title]
    # The title already quotes the command; a compound one (`a && b`) comes with one
    # pattern per part. Add only what the title does not show (e.g. cut off).
    if unseen := [p for p in permission.patterns if p not in permission.title]:
        lines.append(", ".join(unseen))
    if permission.session_id not in ("", origin.session_id):
        lines.append(texts("sub_agent"))
    if note:
        lines.insert(0, note)
    # Always allows these patterns from now on: say which, on the button itself.
    always = (
        texts("always_patterns", patterns=", ".join(permission.always))
        if permission.always
        else texts("always")
    )
    actions = [
        {
            "action": action_id(verb, nonce),
            "title": title,
            "authenticationRequired": True,
        }
        for verb, title in (("ONCE", texts("approve")), ("ALWAYS", always))
    ]
    actions.append(
        {
            "action": action_id("REJECT", nonce),
            "title": texts("reject"),
            "destructive": True,
            "behavior": "textInput",
            "textInputButtonTitle": texts("reject"),
            "textInputPlaceholder": texts("reject_placeholder"),
        }
    )
    data = _data(origin, permission.id, urgent=True) | {"actions": actions}
    return {"title": origin.title, "message": "\n".join(lines), "data": data}


def question_payload(
    texts: Texts,
    origin: Origin,
    question: Question,
    nonce: str,
    note: str | None = None,
) -> dict[str, Any]:
    """Return the notify call of a question: up to three options and a text reply."""
    actions: list[dict[str, Any]] = []
    if len(question.questions) == 1:
        item = question.questions[0]
        lines = [item.question or item.header]
        labels = item.labels
        if len(labels) > MAX_OPTIONS:
            lines.append(", ".join(labels))
        actions = [
            {"action": action_id(f"{ANSWER}{i}", nonce), "title": label}
            for i, label in enumerate(labels[:MAX_OPTIONS])
        ]
        actions.append(
            {
                "action": action_id(REPLY, nonce),
                "title": texts("answer"),
                "behavior": "textInput",
                "textInputButtonTitle": texts("send"),
                "textInputPlaceholder": texts("answer_placeholder"),
            }
        )
    else:
        lines = [q.question or q.header for q in question.questions]
        lines.append(texts("answer_at_desk"))
    if note:
        lines.insert(0, note)
    data = _data(origin, question.id, urgent=True)
    if actions:
        data["actions"] = actions
    return {"title": origin.title, "message": "\n".join(lines), "data": data}


def status_payload(
    texts: Texts, origin: Origin, event_type: str, details: dict[str, Any]
) -> dict[str, Any]:
    """Return the notify call of a finished or failed run (one tag per session)."""
    duration = format_duration(int(details.get("duration") or 0))
    if event_type == EVENT_COMPLETED:
        message = texts("finished", duration=duration)
    else:
        error = ": ".join(
            str(part) for part in (details.get("name"), details.get("message")) if part
        )
        message = texts("error", duration=duration, error=error)
    data = _data(origin, f"{origin.session_id}_status")
    return {"title": origin.title, "message": message, "data": data}


def notice_payload(title: str, tag: str, message: str) -> dict[str, Any]:
    """Return a short notice replacing the notification of a request."""
    return {"title": title, "message": message, "data": {"tag": tag, "timeout": 60}}


def plain_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """Return a notification as plain text, for notify actions other than the app."""
    return {"title": payload["title"], "message": payload["message"]}


def clear_payload(tag: str) -> dict[str, Any]:
    """Return the notify call that removes a notification from the phone."""
    return {"message": CLEAR, "data": {"tag": tag}}
