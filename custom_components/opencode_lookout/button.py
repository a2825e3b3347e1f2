"""Buttons of a session: answer the pending permission, abort the session."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import Reply, Session, State
from .commands import async_abort, async_reply_permission
from .entity import SessionEntity, async_setup_session_entities
from .models import OpenCodeLookoutConfigEntry

PARALLEL_UPDATES = 0

type PressFn = Callable[[OpenCodeLookoutConfigEntry, str, Context], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class SessionButtonDescription(ButtonEntityDescription):
    """A button acting on a root session."""

    available_fn: Callable[[Session], bool]
    press_fn: PressFn
    attr_fn: Callable[[Session], dict[str, Any] | None] = lambda _: None


def _has_permission(session: Session) -> bool:
    """Return True while a permission is pending."""
    return bool(session.pending_permissions)


def _reply(reply: Reply) -> PressFn:
    """Return the press function answering the oldest pending permission."""

    async def press(
        entry: OpenCodeLookoutConfigEntry, session_id: str, context: Context
    ) -> None:
        await async_reply_permission(entry, session_id, reply, context=context)

    return press


async def _abort(
    entry: OpenCodeLookoutConfigEntry, session_id: str, context: Context
) -> None:
    """Abort the session."""
    await async_abort(entry, session_id, context=context)


def _always_patterns(session: Session) -> dict[str, Any] | None:
    """Return the patterns Approve always would allow from now on."""
    if (permission := session.permission) is None:
        return None
    return {"patterns": permission.always}


SESSION_BUTTONS: tuple[SessionButtonDescription, ...] = (
    SessionButtonDescription(
        key="approve_once",
        translation_key="approve_once",
        available_fn=_has_permission,
        press_fn=_reply(Reply.ONCE),
    ),
    SessionButtonDescription(
        key="approve_always",
        translation_key="approve_always",
        available_fn=_has_permission,
        press_fn=_reply(Reply.ALWAYS),
        attr_fn=_always_patterns,
    ),
    SessionButtonDescription(
        key="reject",
        translation_key="reject",
        available_fn=_has_permission,
        press_fn=_reply(Reply.REJECT),
    ),
    SessionButtonDescription(
        key="abort",
        translation_key="abort",
        available_fn=lambda s: s.state == State.WORKING,
        press_fn=_abort,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenCodeLookoutConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the buttons of every session."""

    def factory(
        entry: OpenCodeLookoutConfigEntry, session: Session
    ) -> list[SessionButton]:
        """Create the buttons of one session."""
        return [SessionButton(entry, d, session.id) for d in SESSION_BUTTONS]

    async_setup_session_entities(entry, async_add_entities, factory)


class SessionButton(SessionEntity, ButtonEntity):
    """A button of one root session."""

    entity_description: SessionButtonDescription
    # Patterns quote commands and paths: shown, never recorded.
    _unrecorded_attributes = frozenset({"patterns"})

    @property
    @override
    def available(self) -> bool:
        """Return True only when the action makes sense now."""
        session = self.session
        return (
            super().available
            and session is not None
            and self.entity_description.available_fn(session)
        )

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return what the button would allow (Approve always: the patterns)."""
        if (session := self.session) is None:
            return None
        return self.entity_description.attr_fn(session)

    @override
    async def async_press(self) -> None:
        """Send the command as the user who pressed (checked in commands.py)."""
        context = self._context or Context()
        await self.entity_description.press_fn(self.entry, self.session_id, context)
