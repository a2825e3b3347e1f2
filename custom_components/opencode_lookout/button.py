"""Buttons of a session: answer the pending permission, abort the session.

The buttons stay available while the session is: a press with nothing to answer (or
nothing to abort) is refused with a translated error. Availability that followed every
request made each request write eight state changes and eight logbook lines
("Approve once became unavailable") that told nobody anything.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import Context, HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import Reply, Session
from .commands import async_abort, async_reply_permission
from .entity import SessionEntity, async_setup_session_entities
from .models import OpenCodeLookoutConfigEntry

PARALLEL_UPDATES = 0

type PressFn = Callable[[OpenCodeLookoutConfigEntry, str, Context], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class SessionButtonDescription(ButtonEntityDescription):
    """A button acting on a root session."""

    press_fn: PressFn


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


SESSION_BUTTONS: tuple[SessionButtonDescription, ...] = (
    SessionButtonDescription(
        key="approve_once",
        translation_key="approve_once",
        press_fn=_reply(Reply.ONCE),
    ),
    SessionButtonDescription(
        key="approve_always",
        translation_key="approve_always",
        press_fn=_reply(Reply.ALWAYS),
    ),
    SessionButtonDescription(
        key="reject",
        translation_key="reject",
        press_fn=_reply(Reply.REJECT),
    ),
    SessionButtonDescription(
        key="abort",
        translation_key="abort",
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

    @override
    async def async_press(self) -> None:
        """Send the command as the user who pressed (checked in commands.py)."""
        context = self._context or Context()
        await self.entity_description.press_fn(self.entry, self.session_id, context)
