"""The audit trail: every command sent from Home Assistant is an event with its user.

The event (opencode_lookout_command) carries the caller's context, so the logbook
(logbook.py) names the user, the verb and what it was about: the kind of request
(bash, edit...) and its id, never a command, prompt, question or answer (the recorder
stores the event; the agent and OpenCode have the text).
"""

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import Context, HomeAssistant

from .const import EVENT_COMMAND

VERB_APPROVED_ONCE = "approved_once"
VERB_APPROVED_ALWAYS = "approved_always"
VERB_REJECTED = "rejected"
VERB_ANSWERED = "answered"
VERB_DISMISSED = "dismissed"
VERB_PROMPTED = "prompted"
VERB_ABORTED = "aborted"
VERB_READ_MESSAGES = "read_messages"


async def async_audit(
    hass: HomeAssistant,
    entry: ConfigEntry,
    context: Context,
    *,
    verb: str,
    session_id: str,
    session_title: str | None,
    subject: str | None,
    request_id: str | None = None,
) -> None:
    """Fire the audit event of one command that the agent accepted."""
    user = await hass.auth.async_get_user(context.user_id) if context.user_id else None
    hass.bus.async_fire(
        EVENT_COMMAND,
        {
            "entry_id": entry.entry_id,
            "machine": entry.title,
            "session_id": session_id,
            "session_title": session_title,
            "verb": verb,
            "subject": subject or "",
            "request_id": request_id,
            "user_id": context.user_id,
            "user_name": user.name if user else None,
        },
        context=context,
    )
