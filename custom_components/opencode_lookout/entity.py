"""Base entities: the machine device and the per-session devices."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import Session
from .const import DOMAIN
from .manager import LookoutManager
from .models import OpenCodeLookoutConfigEntry


class LookoutEntity(Entity):
    """Common base: translated names, push updates only."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(self, manager: LookoutManager, description: EntityDescription) -> None:
        """Store the manager and the description."""
        self.manager = manager
        self.entity_description = description


class MachineEntity(LookoutEntity):
    """An entity of the machine (agent) device."""

    def __init__(self, manager: LookoutManager, description: EntityDescription) -> None:
        """Attach to the machine device."""
        super().__init__(manager, description)
        self._attr_unique_id = f"{manager.server_id}_{description.key}"
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, manager.server_id)})

    @property
    def available(self) -> bool:
        """Return True while the agent is connected."""
        return self.manager.connected

    async def async_added_to_hass(self) -> None:
        """Write the state on every change."""
        self.async_on_remove(self.manager.async_add_listener(self.async_write_ha_state))


class SessionEntity(LookoutEntity):
    """An entity of a root session device."""

    def __init__(
        self, manager: LookoutManager, description: EntityDescription, session_id: str
    ) -> None:
        """Attach to the session device."""
        super().__init__(manager, description)
        self.session_id = session_id
        self._attr_unique_id = f"{manager.server_id}_{session_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, manager.session_identifier(session_id))}
        )

    @property
    def session(self) -> Session | None:
        """Return the latest state of the session."""
        return self.manager.sessions.get(self.session_id)

    @property
    def available(self) -> bool:
        """Return True while connected and the session's OpenCode is connected."""
        session = self.session
        return self.manager.connected and session is not None and session.available

    async def async_added_to_hass(self) -> None:
        """Write the state on every change of the session or connection."""
        self.async_on_remove(
            self.manager.async_add_session_listener(
                self.session_id, self.async_write_ha_state
            )
        )


def async_setup_session_entities(
    entry: OpenCodeLookoutConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    factory: Callable[[LookoutManager, Session], Iterable[Entity]],
) -> None:
    """Add entities for current sessions and for every session that appears later."""
    manager = entry.runtime_data.manager

    def add(session: Session) -> None:
        """Add the entities of one session."""
        async_add_entities(factory(manager, session))

    for session in list(manager.sessions.values()):
        add(session)
    entry.async_on_unload(manager.async_add_new_session_listener(add))
