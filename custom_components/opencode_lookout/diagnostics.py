"""Diagnostics of a config entry; the token and prompt-derived text are redacted."""

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant

from .models import OpenCodeLookoutConfigEntry

# Titles are generated from the first prompt; question and permission texts can
# quote prompts, commands and file contents; directories name the user's projects
# (an instance's label names its directory too).
TO_REDACT = {
    CONF_TOKEN,
    "title",
    "text",
    "question",
    "patterns",
    "always",
    "current_tool",
    "message",
    "questions",
    "directory",
    "project",
    "header",
    "options",
    "label",
}


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: OpenCodeLookoutConfigEntry
) -> dict[str, Any]:
    """Return the entry, the connection, the followed OpenCode and the sessions."""
    data = entry.runtime_data
    manager = data.manager
    return {
        "entry": {
            "data": async_redact_data(dict(entry.data), TO_REDACT),
            "options": dict(entry.options),
            "title": entry.title,
        },
        "server_info": asdict(manager.server_info),
        "connected": manager.connected,
        "instances": [
            async_redact_data(asdict(instance), TO_REDACT)
            for instance in data.tracker.instances.values()
        ],
        "sessions": [
            async_redact_data(asdict(session), TO_REDACT)
            for session in data.sessions.values()
        ],
    }
