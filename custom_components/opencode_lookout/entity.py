"""Base entities: the machine device and the per-session devices."""

import asyncio
from collections.abc import Callable, Iterable
from typing import override

from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import (
    AddConfigEntryEntitiesCallback,
    EntityPlatform,
)

from .client import Session
from .const import DOMAIN
from .devices import session_identifier
from .entity_ids import session_object_id
from .models import OpenCodeLookoutConfigEntry, OpenCodeLookoutData


class LookoutEntity(Entity):
    """Common base: translated names, push updates only."""

    _attr_has_entity_name = True
    _attr_should_poll = False

    def __init__(
        self, entry: OpenCodeLookoutConfigEntry, description: EntityDescription
    ) -> None:
        """Store the entry and the description."""
        self.entry = entry
        self.data: OpenCodeLookoutData = entry.runtime_data
        self.entity_description = description

    @property
    def server_id(self) -> str:
        """Return the agent's server id."""
        return self.data.manager.server_id


class MachineEntity(LookoutEntity):
    """An entity of the machine (agent) device."""

    def __init__(
        self, entry: OpenCodeLookoutConfigEntry, description: EntityDescription
    ) -> None:
        """Attach to the machine device."""
        super().__init__(entry, description)
        self._attr_unique_id = f"{self.server_id}_{description.key}"
        self._attr_device_info = DeviceInfo(identifiers={(DOMAIN, self.server_id)})

    @property
    @override
    def available(self) -> bool:
        """Return True while the agent is connected."""
        return self.data.manager.connected

    @override
    async def async_added_to_hass(self) -> None:
        """Write the state on every change."""
        self.async_on_remove(
            self.data.dispatcher.async_add_listener(self.async_write_ha_state)
        )


class SessionEntity(LookoutEntity):
    """An entity of a root session device."""

    def __init__(
        self,
        entry: OpenCodeLookoutConfigEntry,
        description: EntityDescription,
        session_id: str,
    ) -> None:
        """Attach to the session device."""
        super().__init__(entry, description)
        self.session_id = session_id
        self._attr_unique_id = f"{self.server_id}_{session_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, session_identifier(self.server_id, session_id))}
        )

    @property
    def session(self) -> Session | None:
        """Return the latest state of the session."""
        return self.data.sessions.get(self.session_id)

    @override
    def add_to_platform_start(
        self,
        hass: HomeAssistant,
        platform: EntityPlatform,
        parallel_updates: asyncio.Semaphore | None,
    ) -> None:
        """Suggest the entity id once the platform's domain is known.

        Used only when the entity is registered; the registry keeps it (and any
        rename by the user) afterwards.
        """
        super().add_to_platform_start(hass, platform, parallel_updates)
        if (session := self.session) is not None:
            object_id = session_object_id(
                session.id, session.project, self.entity_description.key
            )
            self.entity_id = f"{platform.domain}.{object_id}"

    @property
    @override
    def available(self) -> bool:
        """Return True while connected and the session's OpenCode is connected."""
        session = self.session
        return self.data.manager.connected and session is not None and session.available

    @override
    async def async_added_to_hass(self) -> None:
        """Write the state on every change of the session or connection."""
        self.async_on_remove(
            self.data.dispatcher.async_add_session_listener(
                self.session_id, self.async_write_ha_state
            )
        )


def async_setup_session_entities(
    entry: OpenCodeLookoutConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
    factory: Callable[[OpenCodeLookoutConfigEntry, Session], Iterable[Entity]],
) -> None:
    """Add entities for current sessions and for every session that appears later."""
    data = entry.runtime_data

    def add(session: Session) -> None:
        """Add the entities of one session."""
        async_add_entities(factory(entry, session))

    for session in list(data.sessions.values()):
        add(session)
    entry.async_on_unload(data.dispatcher.async_add_new_session_listener(add))
