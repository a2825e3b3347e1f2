"""Buttons of a session: answer the pending permission, abort the session."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from homeassistant.components.button import ButtonEntity, ButtonEntityDescription
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import Session
from .commands import async_abort, async_reply_permission
from .entity import SessionEntity, async_setup_session_entities
from .manager import LookoutManager
from .models import OpenCodeLookoutConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SessionButtonDescription(ButtonEntityDescription):
    """A button acting on a root session."""

    available_fn: Callable[[Session], bool]
    press_fn: Callable[[LookoutManager, str], Awaitable[None]]


def _has_permission(session: Session) -> bool:
    """Return True while a permission is pending."""
    return session.permission is not None


SESSION_BUTTONS: tuple[SessionButtonDescription, ...] = (
    SessionButtonDescription(
        key="approve_once",
        translation_key="approve_once",
        available_fn=_has_permission,
        press_fn=lambda m, sid: async_reply_permission(m, sid, "once"),
    ),
    SessionButtonDescription(
        key="approve_always",
        translation_key="approve_always",
        available_fn=_has_permission,
        press_fn=lambda m, sid: async_reply_permission(m, sid, "always"),
    ),
    SessionButtonDescription(
        key="reject",
        translation_key="reject",
        available_fn=_has_permission,
        press_fn=lambda m, sid: async_reply_permission(m, sid, "reject"),
    ),
    SessionButtonDescription(
        key="abort",
        translation_key="abort",
        available_fn=lambda s: s.state == "working",
        press_fn=async_abort,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenCodeLookoutConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the buttons of every session."""

    def factory(manager: LookoutManager, session: Session) -> list[SessionButton]:
        """Create the buttons of one session."""
        return [SessionButton(manager, d, session.id) for d in SESSION_BUTTONS]

    async_setup_session_entities(entry, async_add_entities, factory)


class SessionButton(SessionEntity, ButtonEntity):
    """A button of one root session."""

    entity_description: SessionButtonDescription

    @property
    def available(self) -> bool:
        """Return True only when the action makes sense now."""
        session = self.session
        return (
            super().available
            and session is not None
            and self.entity_description.available_fn(session)
        )

    async def async_press(self) -> None:
        """Send the command for the current state of the session."""
        await self.entity_description.press_fn(self.manager, self.session_id)
