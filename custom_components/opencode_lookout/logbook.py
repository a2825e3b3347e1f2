"""Logbook entries of the audit events: who did what to which session."""

from collections.abc import Callable
from typing import Any

from homeassistant.components.logbook import LOGBOOK_ENTRY_MESSAGE, LOGBOOK_ENTRY_NAME
from homeassistant.core import Event, HomeAssistant, callback

from .const import DOMAIN, EVENT_COMMAND

# The logbook has no translations of its own; these read like core's entries.
VERBS = {
    "approved_once": "approved once",
    "approved_always": "approved always",
    "rejected": "rejected",
    "answered": "answered",
    "dismissed": "dismissed the question",
    "prompted": "sent the prompt",
    "aborted": "aborted the session",
    "read_messages": "read the messages",
}


@callback
def async_describe_events(
    hass: HomeAssistant,
    async_describe_event: Callable[
        [str, str, Callable[[Event[Any]], dict[str, str]]], None
    ],
) -> None:
    """Describe the audit events."""

    @callback
    def async_describe_command(event: Event[Any]) -> dict[str, str]:
        """Return '<user> <verb>: <subject>' under the session's name."""
        data = event.data
        who = data.get("user_name") or "An automation"
        verb = VERBS.get(data.get("verb", ""), data.get("verb", ""))
        message = f"{who} {verb}"
        if subject := data.get("subject"):
            message = f"{message}: {subject}"
        name = f"{data.get('machine')} · {data.get('session_title') or data.get('session_id')}"
        return {LOGBOOK_ENTRY_NAME: name, LOGBOOK_ENTRY_MESSAGE: message}

    async_describe_event(DOMAIN, EVENT_COMMAND, async_describe_command)
