"""Event entity of a session: permission, question, completed and error events."""

from __future__ import annotations

from typing import Any

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import Session
from .const import EVENT_TYPES
from .entity import SessionEntity, async_setup_session_entities
from .manager import LookoutManager
from .models import OpenCodeLookoutConfigEntry

PARALLEL_UPDATES = 0

SESSION_EVENT = EventEntityDescription(
    key="activity", translation_key="activity", event_types=EVENT_TYPES
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenCodeLookoutConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the event entity of every session."""

    def factory(manager: LookoutManager, session: Session) -> list[SessionEvent]:
        """Create the event entity of one session."""
        return [SessionEvent(manager, SESSION_EVENT, session.id)]

    async_setup_session_entities(entry, async_add_entities, factory)


class SessionEvent(SessionEntity, EventEntity):
    """Fires on permission requests/answers, questions, completion and errors."""

    async def async_added_to_hass(self) -> None:
        """Listen to the events of the session as well as its state."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.manager.async_add_event_listener(self.session_id, self._handle_event)
        )

    @callback
    def _handle_event(self, event_type: str, details: dict[str, Any]) -> None:
        """Record the event and write the state."""
        self._trigger_event(event_type, details)
        self.async_write_ha_state()
