"""Commands from Home Assistant to a session: who may, what goes to the agent, the audit.

Actions (services.py), buttons (button.py) and notification taps (notify/taps.py) all
come through here: the caller's context is checked (steering.py), the session is
resolved from the cache, the client is called through the one error mapping
(errors.py), and an accepted command is written to the audit trail (audit.py).
"""

from typing import Any

from homeassistant.core import Context
from homeassistant.exceptions import ServiceValidationError

from .activity import permission_attributes, permission_digest
from .audit import (
    VERB_ABORTED,
    VERB_ANSWERED,
    VERB_APPROVED_ALWAYS,
    VERB_APPROVED_ONCE,
    VERB_DISMISSED,
    VERB_PROMPTED,
    VERB_READ_MESSAGES,
    VERB_REJECTED,
    async_audit,
)
from .client import Reply, Session
from .const import DOMAIN
from .models import OpenCodeLookoutConfigEntry
from .steering import async_ensure_may_steer

REPLY_VERBS = {
    Reply.ONCE: VERB_APPROVED_ONCE,
    Reply.ALWAYS: VERB_APPROVED_ALWAYS,
    Reply.REJECT: VERB_REJECTED,
}


async def _async_session(
    entry: OpenCodeLookoutConfigEntry,
    session_id: str,
    context: Context,
    authorized: bool = False,
) -> Session:
    """Check the caller, then return the tracked session (or a translated error).

    authorized: the caller was checked already (a notification tap with a valid
    nonce from a phone the notification was sent to, notify/taps.py).
    """
    if not authorized:
        await async_ensure_may_steer(entry.runtime_data.manager.hass, entry, context)
    if (session := entry.runtime_data.sessions.get(session_id)) is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_session",
            translation_placeholders={"session_id": session_id},
        )
    return session


async def async_reply_permission(
    entry: OpenCodeLookoutConfigEntry,
    session_id: str,
    reply: Reply,
    *,
    context: Context,
    authorized: bool = False,
    message: str | None = None,
    permission_id: str | None = None,
    digest: str | None = None,
) -> None:
    """Answer the given (default: the oldest pending) permission of a root session.

    digest: what the caller showed (permission_digest); the reply is refused unless
    the pending permission with that id still has exactly that text.
    """
    session = await _async_session(entry, session_id, context, authorized)
    permission = (
        session.permission
        if permission_id is None
        else session.find_permission(permission_id)
    )
    if permission_id is None and permission is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="no_pending_permission",
            translation_placeholders={"session": session.title or session.id},
        )
    if digest is not None and (
        permission_id is None
        or permission is None
        or permission_digest(permission) != digest
    ):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="permission_not_as_shown",
            translation_placeholders={"session": session.title or session.id},
        )
    target = permission_id or (permission.id if permission else "")
    await entry.runtime_data.agent.reply_permission(session.id, target, reply, message)
    await async_audit(
        entry.runtime_data.manager.hass,
        entry,
        context,
        verb=REPLY_VERBS[reply],
        session_id=session.id,
        session_title=session.title,
        # The kind of request (bash, edit...), never its command: the audit event
        # is recorded. The logbook names the request by its id.
        subject=permission.permission if permission else None,
        request_id=target,
    )


async def async_get_permission(
    entry: OpenCodeLookoutConfigEntry,
    session_id: str,
    permission_id: str,
    *,
    context: Context,
) -> dict[str, Any] | None:
    """Return a pending permission as an automation shows it, with its digest."""
    session = await _async_session(entry, session_id, context)
    if (permission := session.find_permission(permission_id)) is None:
        return None
    return {
        **permission_attributes(permission),
        "sub_agent": permission.session_id not in ("", session.id),
        "digest": permission_digest(permission),
    }


async def async_reply_question(
    entry: OpenCodeLookoutConfigEntry,
    session_id: str,
    answer: str | None,
    *,
    context: Context,
    authorized: bool = False,
) -> None:
    """Answer (or dismiss, when answer is None) the pending question of a session."""
    session = await _async_session(entry, session_id, context, authorized)
    if (question := session.question) is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="no_pending_question",
            translation_placeholders={"session": session.title or session.id},
        )
    answers: list[list[str]] | None = None
    if answer is not None:
        # One answer per question; an answer matching an option label (any case)
        # is sent as that label.
        answers = [
            [next((o for o in q.labels if o.casefold() == answer.casefold()), answer)]
            for q in question.questions
        ] or [[answer]]
    await entry.runtime_data.agent.reply_question(question.id, answers)
    await async_audit(
        entry.runtime_data.manager.hass,
        entry,
        context,
        verb=VERB_DISMISSED if answer is None else VERB_ANSWERED,
        session_id=session.id,
        session_title=session.title,
        subject=None,
        request_id=question.id,
    )


async def async_abort(
    entry: OpenCodeLookoutConfigEntry, session_id: str, *, context: Context
) -> None:
    """Abort a session."""
    session = await _async_session(entry, session_id, context)
    await entry.runtime_data.agent.abort_session(session.id)
    await async_audit(
        entry.runtime_data.manager.hass,
        entry,
        context,
        verb=VERB_ABORTED,
        session_id=session.id,
        session_title=session.title,
        subject=None,
    )


async def async_send_prompt(
    entry: OpenCodeLookoutConfigEntry, session_id: str, text: str, *, context: Context
) -> None:
    """Queue a prompt in a session."""
    session = await _async_session(entry, session_id, context)
    await entry.runtime_data.agent.send_prompt(session.id, text)
    await async_audit(
        entry.runtime_data.manager.hass,
        entry,
        context,
        verb=VERB_PROMPTED,
        session_id=session.id,
        session_title=session.title,
        subject=None,
    )


async def async_get_messages(
    entry: OpenCodeLookoutConfigEntry, session_id: str, limit: int, *, context: Context
) -> list[dict[str, Any]]:
    """Return the latest text messages of a session as plain dicts."""
    session = await _async_session(entry, session_id, context)
    messages = await entry.runtime_data.agent.get_messages(session.id, limit)
    await async_audit(
        entry.runtime_data.manager.hass,
        entry,
        context,
        verb=VERB_READ_MESSAGES,
        session_id=session.id,
        session_title=session.title,
        subject=None,
    )
    return [
        {
            "id": m.id,
            "role": m.role,
            "agent": m.agent,
            "created": m.created.isoformat() if m.created else None,
            "text": m.text,
            "truncated": m.truncated,
        }
        for m in messages
    ]
