"""Event entity of a session: permission and question events, and finished runs."""

from typing import Any, override

from homeassistant.components.event import EventEntity, EventEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import Session
from .const import EVENT_TYPES
from .entity import SessionEntity, async_setup_session_entities
from .models import OpenCodeLookoutConfigEntry

PARALLEL_UPDATES = 0

SESSION_EVENT = EventEntityDescription(
    key="activity",
    translation_key="activity",
    event_types=EVENT_TYPES,
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenCodeLookoutConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the event entity of every session."""

    def factory(
        entry: OpenCodeLookoutConfigEntry, session: Session
    ) -> list[SessionEvent]:
        """Create the event entity of one session."""
        return [SessionEvent(entry, SESSION_EVENT, session.id)]

    async_setup_session_entities(entry, async_add_entities, factory)


class SessionEvent(SessionEntity, EventEntity):
    """Fires on permission requests/answers, questions and finished runs."""

    # Commands, patterns and questions quote prompts and paths: shown, never recorded.
    _unrecorded_attributes = frozenset({"title", "patterns", "always", "questions"})

    @override
    async def async_added_to_hass(self) -> None:
        """Listen to the events of the session as well as its state."""
        await super().async_added_to_hass()
        self.async_on_remove(
            self.data.dispatcher.async_add_event_listener(
                self.session_id, self._handle_event
            )
        )

    @callback
    def _handle_event(self, event_type: str, details: dict[str, Any]) -> None:
        """Record the event and write the state."""
        self._trigger_event(event_type, details)
        self.async_write_ha_state()
