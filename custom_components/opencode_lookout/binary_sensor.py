"""Binary sensors: agent connectivity, and per session permission pending / working."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import override

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import Session, State
from .entity import MachineEntity, SessionEntity, async_setup_session_entities
from .models import OpenCodeLookoutConfigEntry

PARALLEL_UPDATES = 0


@dataclass(frozen=True, kw_only=True)
class SessionBinarySensorDescription(BinarySensorEntityDescription):
    """A binary sensor computed from a root session."""

    is_on_fn: Callable[[Session], bool]


CONNECTED = BinarySensorEntityDescription(
    key="connected",
    translation_key="connected",
    device_class=BinarySensorDeviceClass.CONNECTIVITY,
    entity_category=EntityCategory.DIAGNOSTIC,
)

# Both say what the State sensor says: disabled by default, so that each request
# writes two state changes fewer (enable them for a simple on/off in a dashboard).
SESSION_BINARY_SENSORS: tuple[SessionBinarySensorDescription, ...] = (
    SessionBinarySensorDescription(
        key="permission_pending",
        translation_key="permission_pending",
        entity_registry_enabled_default=False,
        is_on_fn=lambda s: bool(s.pending_permissions),
    ),
    SessionBinarySensorDescription(
        key="working",
        translation_key="working",
        device_class=BinarySensorDeviceClass.RUNNING,
        entity_registry_enabled_default=False,
        is_on_fn=lambda s: s.state == State.WORKING,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenCodeLookoutConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the connectivity sensor and the binary sensors of every session."""
    async_add_entities([ConnectedBinarySensor(entry, CONNECTED)])

    def factory(
        entry: OpenCodeLookoutConfigEntry, session: Session
    ) -> list[SessionBinarySensor]:
        """Create the binary sensors of one session."""
        return [
            SessionBinarySensor(entry, d, session.id) for d in SESSION_BINARY_SENSORS
        ]

    async_setup_session_entities(entry, async_add_entities, factory)


class ConnectedBinarySensor(MachineEntity, BinarySensorEntity):
    """Whether the agent is connected; the one entity that stays available."""

    @property
    @override
    def available(self) -> bool:
        """Return True: this entity reports the connection itself."""
        return True

    @property
    @override
    def is_on(self) -> bool:
        """Return True while the agent is connected."""
        return self.data.manager.connected


class SessionBinarySensor(SessionEntity, BinarySensorEntity):
    """A binary sensor of one root session."""

    entity_description: SessionBinarySensorDescription

    @property
    @override
    def is_on(self) -> bool | None:
        """Return the value read from the session."""
        if (session := self.session) is None:
            return None
        return self.entity_description.is_on_fn(session)
