"""Commands sent to the agent for buttons and actions, with translated errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .client import ClientError, CommandError, Message, Session
from .const import DOMAIN

if TYPE_CHECKING:
    from .manager import LookoutManager

# Protocol error codes with their own translated message; others use command_failed.
_ERROR_KEYS = {"not_found": "not_found", "unavailable": "session_unavailable"}


def _session(manager: LookoutManager, session_id: str) -> Session:
    """Return a tracked session or raise a translated validation error."""
    if (session := manager.sessions.get(session_id)) is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="unknown_session",
            translation_placeholders={"session_id": session_id},
        )
    return session


async def _call[**P, T](
    manager: LookoutManager,
    func: Callable[P, Awaitable[T]],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Run a client command, turning client errors into translated HA errors."""
    placeholders = {"host": manager.server_info.hostname}
    if not manager.connected:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="agent_offline",
            translation_placeholders=placeholders,
        )
    try:
        return await func(*args, **kwargs)
    except CommandError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=_ERROR_KEYS.get(err.code, "command_failed"),
            translation_placeholders={"code": err.code, "message": err.message},
        ) from err
    except ClientError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="agent_offline",
            translation_placeholders=placeholders,
        ) from err


async def async_reply_permission(
    manager: LookoutManager,
    session_id: str,
    reply: str,
    *,
    message: str | None = None,
    permission_id: str | None = None,
) -> None:
    """Answer the given (default: the current) permission of a root session."""
    session = _session(manager, session_id)
    if permission_id is None:
        if session.permission is None:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="no_pending_permission",
                translation_placeholders={"session": session.title or session.id},
            )
        permission_id = session.permission.id
    await _call(
        manager,
        manager.client.reply_permission,
        permission_id,
        reply,
        session_id=session.id,
        message=message,
    )


async def async_reply_question(
    manager: LookoutManager, session_id: str, answer: str | None
) -> None:
    """Answer (or dismiss, when answer is None) the pending question of a session."""
    session = _session(manager, session_id)
    if (question := session.question) is None:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="no_pending_question",
            translation_placeholders={"session": session.title or session.id},
        )
    answers: list[list[str]] | None = None
    if answer is not None:
        answers = []
        for item in question.questions or [None]:
            options = item.options if item else []
            # An answer matching an option label (any case) is sent as that label.
            label = next(
                (o for o in options if o.casefold() == answer.casefold()), answer
            )
            answers.append([label])
    await _call(manager, manager.client.reply_question, question.id, answers)


async def async_abort(manager: LookoutManager, session_id: str) -> None:
    """Abort a session."""
    _session(manager, session_id)
    await _call(manager, manager.client.abort_session, session_id)


async def async_send_prompt(
    manager: LookoutManager, session_id: str, text: str
) -> None:
    """Queue a prompt in a session."""
    _session(manager, session_id)
    await _call(manager, manager.client.send_prompt, session_id, text)


async def async_get_messages(
    manager: LookoutManager, session_id: str, limit: int
) -> list[dict[str, Any]]:
    """Return the latest text messages of a session as plain dicts."""
    _session(manager, session_id)
    messages: list[Message] = await _call(
        manager, manager.client.get_messages, session_id, limit
    )
    return [
        {
            "id": m.id,
            "role": m.role,
            "agent": m.agent,
            "created": m.created,
            "text": m.text,
            "truncated": m.truncated,
        }
        for m in messages
    ]
