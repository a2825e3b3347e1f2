"""What happened in a session, told twice: to its event entity and on the event bus.

Both name the machine (its hostname); the bus event also names the config entry, so an
automation can pick one machine's sessions without a template over the registries.

Also the automation-friendly details of a permission or question, read from the
session cache (the only carrier of those details).

The bus event carries ids, never text: Home Assistant's recorder stores every bus
event, and the integration's promise is that no command, pattern or question ends up
there. The event entity shows the text (unrecorded attributes); automations that need
it ask the integration (the get_permission action), which also tells a forged event
from ours (anyone with the Companion app can fire any event type).
"""

import hashlib
import json
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from .client import Permission, Question
from .const import EVENT_LOOKOUT, EVENT_PERMISSION_REQUESTED, EVENT_QUESTION_ASKED
from .devices import async_get_session_device
from .dispatcher import Dispatcher


def permission_attributes(permission: Permission) -> dict[str, Any]:
    """Return the automation-friendly fields of a permission request."""
    return {
        "permission_id": permission.id,
        "key": permission.permission,
        "title": permission.title,
        "patterns": permission.patterns,
        "always": permission.always,
        "permission_session_id": permission.session_id,
    }


# Details of requests that quote commands, patterns or questions: on the event entity
# only. (A finished run's "title" is the session's title, the device's name.)
TEXT_DETAILS = {
    EVENT_PERMISSION_REQUESTED: frozenset({"title", "patterns", "always"}),
    EVENT_QUESTION_ASKED: frozenset({"questions"}),
}


def permission_digest(permission: Permission) -> str:
    """Return a digest of what a permission would allow, to check a reply against.

    Whoever shows a permission (a blueprint's notification) passes the digest back
    with the reply; the reply is refused unless the pending permission with that id
    still has exactly the text that was shown.
    """
    shown = [
        permission.id,
        permission.permission,
        permission.title,
        permission.patterns,
        permission.always,
    ]
    return hashlib.sha256(json.dumps(shown).encode()).hexdigest()[:32]


def question_attributes(question: Question) -> dict[str, Any]:
    """Return the automation-friendly fields of a question request."""
    return {
        "question_id": question.id,
        "questions": [
            {"question": q.question, "header": q.header, "options": q.labels}
            for q in question.questions
        ],
        "question_session_id": question.session_id,
    }


class Activity:
    """Fire the activity events of one entry's sessions."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        server_id: str,
        dispatcher: Dispatcher,
        machine: str,
    ) -> None:
        """Store where events go and the machine's hostname (updated on reconnect)."""
        self.hass = hass
        self.entry = entry
        self.server_id = server_id
        self.dispatcher = dispatcher
        self.machine = machine

    @callback
    def async_fire(
        self, session_id: str, event_type: str, details: dict[str, Any]
    ) -> None:
        """Trigger the session's event entity and fire opencode_lookout_event."""
        details = {**details, "machine": self.machine}
        self.dispatcher.async_notify_event(session_id, event_type, details)
        hidden = TEXT_DETAILS.get(event_type, frozenset())
        device = async_get_session_device(
            self.hass, self.entry, self.server_id, session_id
        )
        self.hass.bus.async_fire(
            EVENT_LOOKOUT,
            {
                **{k: v for k, v in details.items() if k not in hidden},
                "config_entry_id": self.entry.entry_id,
                "device_id": device.id if device else None,
                "session_id": session_id,
                "type": event_type,
            },
        )
