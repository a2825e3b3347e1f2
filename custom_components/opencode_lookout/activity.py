"""What happened in a session, told twice: to its event entity and on the event bus.

Both name the machine (its hostname); the bus event also names the config entry, so an
automation can pick one machine's sessions without a template over the registries.

Also the automation-friendly details of a permission or question, read from the
session cache (the only carrier of those details).
"""

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from .client import Permission, Question
from .const import EVENT_LOOKOUT
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
        device = async_get_session_device(
            self.hass, self.entry, self.server_id, session_id
        )
        self.hass.bus.async_fire(
            EVENT_LOOKOUT,
            {
                **details,
                "config_entry_id": self.entry.entry_id,
                "device_id": device.id if device else None,
                "session_id": session_id,
                "type": event_type,
            },
        )
