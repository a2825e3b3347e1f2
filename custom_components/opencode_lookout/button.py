"""Buttons of a session: answer the pending permission, abort the session.

The buttons stay available while the session is: a press with nothing to answer (or
nothing to abort) is refused with a translated error. Availability that followed every
request made each request write eight state changes and eight logbook lines
("Approve once became unavailable") that told nobody anything.

The permission buttons are off by default, and Approve answers only while the
session's Pending permission sensor is enabled: nobody approves on the device page
without the command it approves on the same page. (That sensor is off by default
because its state, the command, would be recorded.)

A permission button answers the permission the session showed when it was pressed
(the Pending permission sensor), never "whichever is oldest now": it sends that
permission's id, and a press within SHOWN_FOR seconds of the shown permission
changing is refused. A press that raced an answer given elsewhere (the screen still
showed the one answered) would otherwise approve the next request.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
import time
from typing import override

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import Context, HomeAssistant, callback
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import Reply, Session
from .commands import async_abort, async_reply_permission
from .const import DOMAIN
from .entity import SessionEntity, async_setup_session_entities
from .models import OpenCodeLookoutConfigEntry
from .steering import async_ensure_may_steer

PARALLEL_UPDATES = 0

# Seconds a pending permission must have been shown before a button answers it: time
# for the new one to reach the screen and for the person to see it changed.
SHOWN_FOR = 2.0

type PressFn = Callable[
    [OpenCodeLookoutConfigEntry, str, Context, str | None], Awaitable[None]
]


@dataclass(frozen=True, kw_only=True)
class SessionButtonDescription(ButtonEntityDescription):
    """A button acting on a root session."""

    press_fn: PressFn
    answers_permission: bool = True
    approves: bool = False


def _reply(reply: Reply) -> PressFn:
    """Return the press function answering the permission the button showed."""

    async def press(
        entry: OpenCodeLookoutConfigEntry,
        session_id: str,
        context: Context,
        permission_id: str | None,
    ) -> None:
        await async_reply_permission(
            entry, session_id, reply, context=context, permission_id=permission_id
        )

    return press


async def _abort(
    entry: OpenCodeLookoutConfigEntry,
    session_id: str,
    context: Context,
    _permission_id: str | None,
) -> None:
    """Abort the session."""
    await async_abort(entry, session_id, context=context)


SESSION_BUTTONS: tuple[SessionButtonDescription, ...] = (
    SessionButtonDescription(
        key="approve_once",
        translation_key="approve_once",
        entity_registry_enabled_default=False,
        approves=True,
        press_fn=_reply(Reply.ONCE),
    ),
    SessionButtonDescription(
        key="approve_always",
        translation_key="approve_always",
        entity_registry_enabled_default=False,
        approves=True,
        press_fn=_reply(Reply.ALWAYS),
    ),
    SessionButtonDescription(
        key="reject",
        translation_key="reject",
        entity_registry_enabled_default=False,
        press_fn=_reply(Reply.REJECT),
    ),
    SessionButtonDescription(
        key="abort",
        translation_key="abort",
        press_fn=_abort,
        answers_permission=False,
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
    # The pending permission the session shows (its oldest) and since when (monotonic).
    _shown: str | None = None
    _shown_since: float = 0.0

    @override
    async def async_added_to_hass(self) -> None:
        """Follow which permission the session shows, as well as its state."""
        await super().async_added_to_hass()
        if self.entity_description.answers_permission:
            self._follow_permission()
            self.async_on_remove(
                self.data.dispatcher.async_add_session_listener(
                    self.session_id, self._follow_permission
                )
            )

    @callback
    def _follow_permission(self) -> None:
        """Note when the shown permission changes."""
        session = self.session
        shown = session.permission.id if session and session.permission else None
        if shown != self._shown:
            self._shown, self._shown_since = shown, time.monotonic()

    def _command_shown(self) -> bool:
        """Return True while the session's Pending permission sensor is enabled."""
        registry = er.async_get(self.hass)
        unique_id = f"{self.server_id}_{self.session_id}_permission"
        entity_id = registry.async_get_entity_id("sensor", DOMAIN, unique_id)
        entry = registry.async_get(entity_id) if entity_id else None
        return entry is not None and not entry.disabled

    @override
    async def async_press(self) -> None:
        """Send the command as the user who pressed (checked in commands.py)."""
        context = self._context or Context()
        permission_id: str | None = None
        if self.entity_description.answers_permission:
            await async_ensure_may_steer(self.hass, self.entry, context)
            session = self.session
            name = (session.title if session else None) or self.session_id
            if self._shown is None:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="no_pending_permission",
                    translation_placeholders={"session": name},
                )
            if time.monotonic() - self._shown_since < SHOWN_FOR:
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="permission_just_changed",
                    translation_placeholders={"session": name},
                )
            if self.entity_description.approves and not self._command_shown():
                raise ServiceValidationError(
                    translation_domain=DOMAIN,
                    translation_key="command_not_shown",
                    translation_placeholders={"session": name},
                )
            permission_id = self._shown
        await self.entity_description.press_fn(
            self.entry, self.session_id, context, permission_id
        )
