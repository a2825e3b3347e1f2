"""Payloads of the built-in phone notifications and their action ids.

An action id is ``OPENCODE_LOOKOUT:<server_id>:<verb>:<request id>``: it names the agent
(so an entry never acts on another agent's request), what to do and the permission or
question it answers, so taps resolve without ``action_data`` (Android does not send it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations

from .client import Permission, Question
from .const import ACTION_PREFIX, DOMAIN, EVENT_COMPLETED

CLEAR = "clear_notification"
# Verbs of permission actions and the reply each one sends.
PERMISSION_REPLIES = {"ONCE": "once", "ALWAYS": "always", "REJECT": "reject"}
ANSWER = "ANSWER_"  # + the index of a question option
REPLY = "REPLY"  # a typed answer to a question
MAX_OPTIONS = 3  # Android shows three actions


class Texts:
    """The translated texts of the notifications (category "notification")."""

    def __init__(self, strings: dict[str, str]) -> None:
        """Store the flat translations of the integration."""
        self._strings = strings

    def __call__(self, key: str, **placeholders: str) -> str:
        """Return one text with its placeholders filled in."""
        text = self._strings.get(f"component.{DOMAIN}.notification.{key}", key)
        for name, value in placeholders.items():
            text = text.replace(f"{{{name}}}", value)
        return text


async def async_load_texts(hass: HomeAssistant) -> Texts:
    """Load the notification texts in the configured language."""
    strings = await async_get_translations(
        hass, hass.config.language, "notification", {DOMAIN}
    )
    return Texts(strings)


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


def action_id(server_id: str, verb: str, request_id: str) -> str:
    """Return the action id of one button."""
    return f"{ACTION_PREFIX}:{server_id}:{verb}:{request_id}"


def parse_action(action: Any) -> tuple[str, str, str] | None:
    """Return (server_id, verb, request_id) of one of our action ids, else None."""
    if not isinstance(action, str):
        return None
    parts = action.split(":", 3)
    if len(parts) != 4 or parts[0] != ACTION_PREFIX or not all(parts):
        return None
    return parts[1], parts[2], parts[3]


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
    texts: Texts, origin: Origin, permission: Permission, note: str | None = None
) -> dict[str, Any]:
    """Return the notify call of a permission request: Approve, Always, Reject."""
    lines = [permission.title]
    patterns = ", ".join(permission.patterns)
    if patterns and patterns not in permission.title:
        lines.append(patterns)
    if permission.session_id not in ("", origin.session_id):
        lines.append(texts("sub_agent"))
    if note:
        lines.insert(0, note)
    actions = [
        {
            "action": action_id(origin.server_id, verb, permission.id),
            "title": texts(key),
            "authenticationRequired": True,
        }
        for verb, key in (("ONCE", "approve"), ("ALWAYS", "always"))
    ]
    actions.append(
        {
            "action": action_id(origin.server_id, "REJECT", permission.id),
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
    texts: Texts, origin: Origin, question: Question, note: str | None = None
) -> dict[str, Any]:
    """Return the notify call of a question: up to three options and a text reply."""
    actions: list[dict[str, Any]] = []
    if len(question.questions) == 1:
        item = question.questions[0]
        lines = [item.question or item.header]
        if len(item.options) > MAX_OPTIONS:
            lines.append(", ".join(item.options))
        actions = [
            {
                "action": action_id(origin.server_id, f"{ANSWER}{i}", question.id),
                "title": label,
            }
            for i, label in enumerate(item.options[:MAX_OPTIONS])
        ]
        actions.append(
            {
                "action": action_id(origin.server_id, REPLY, question.id),
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


def clear_payload(tag: str) -> dict[str, Any]:
    """Return the notify call that removes a notification from the phone."""
    return {"message": CLEAR, "data": {"tag": tag}}
