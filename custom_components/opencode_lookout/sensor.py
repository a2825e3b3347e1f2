"""Sensors of the machine device and of each session device."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, override

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import PERCENTAGE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.typing import StateType

from .activity import permission_attributes
from .client import TOKEN_COUNTERS, Session, State, Usage
from .const import DOMAIN
from .entity import MachineEntity, SessionEntity, async_setup_session_entities
from .followed import instances_attributes, versions_state
from .last_activity import shown_last_activity
from .models import OpenCodeLookoutConfigEntry, OpenCodeLookoutData

PARALLEL_UPDATES = 0

UNIT_TOKENS = "tokens"
CURRENCY_USD = "USD"
WAITING_STATES = (State.WAITING_PERMISSION, State.WAITING_INPUT)


# The machine's cost sum over tracked sessions, replaced by Total spend (it dropped when
# a session left); its registry entry is removed at setup.
REMOVED_MACHINE_SENSORS = ("tracked_cost",)


@dataclass(frozen=True, kw_only=True)
class MachineSensorDescription(SensorEntityDescription):
    """A machine sensor computed from the tracked root sessions or the usage."""

    value_fn: Callable[[OpenCodeLookoutData], StateType]


def _sessions(
    value_fn: Callable[[Iterable[Session]], StateType],
) -> Callable[[OpenCodeLookoutData], StateType]:
    """Return value_fn applied to the tracked root sessions."""
    return lambda data: value_fn(data.sessions.values())


def _usage(
    value_fn: Callable[[Usage], StateType],
) -> Callable[[OpenCodeLookoutData], StateType]:
    """Return value_fn applied to the machine's usage (None before the first)."""
    return lambda data: None if (u := data.tracker.usage) is None else value_fn(u)


@dataclass(frozen=True, kw_only=True)
class SessionSensorDescription(SensorEntityDescription):
    """A session sensor computed from its root session."""

    value_fn: Callable[[Session], StateType | datetime]
    attr_fn: Callable[[Session], dict[str, Any] | None] = lambda _: None


def _context_usage(session: Session) -> float | None:
    """Return the share of the context window used by the last message."""
    if session.context_used is None or not session.context_limit:
        return None
    return round(session.context_used / session.context_limit * 100, 1)


def _permission_attrs(session: Session) -> dict[str, Any] | None:
    """Return the attributes of the pending permission, if any."""
    if (permission := session.permission) is None:
        return None
    return {
        **permission_attributes(permission),
        "pending_count": len(session.pending_permissions),
    }


def _tokens(key: str) -> SessionSensorDescription:
    """Describe the sensor of one token counter (disabled by default)."""

    def value(session: Session) -> int:
        """Return the counter of the session."""
        count: int = getattr(session, key)
        return count

    return SessionSensorDescription(
        key=key,
        translation_key=key,
        native_unit_of_measurement=UNIT_TOKENS,
        state_class=SensorStateClass.TOTAL_INCREASING,
        entity_registry_enabled_default=False,
        value_fn=value,
    )


MACHINE_SENSORS: tuple[MachineSensorDescription, ...] = (
    MachineSensorDescription(
        key="sessions_working",
        translation_key="sessions_working",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_sessions(lambda ss: sum(s.state == State.WORKING for s in ss)),
    ),
    MachineSensorDescription(
        key="sessions_waiting",
        translation_key="sessions_waiting",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_sessions(lambda ss: sum(s.state in WAITING_STATES for s in ss)),
    ),
    MachineSensorDescription(
        key="pending_permissions",
        translation_key="pending_permissions",
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_sessions(lambda ss: sum(len(s.pending_permissions) for s in ss)),
    ),
    # Every assistant message counted once by the agent, never decreasing (through
    # eviction and restarts): HA's statistics give spend per day, week and month.
    MachineSensorDescription(
        key="total_spend",
        translation_key="total_spend",
        # No monetary device class: HA allows it only with state_class total, which
        # needs a last_reset; total_increasing is what this counter is.
        native_unit_of_measurement=CURRENCY_USD,
        state_class=SensorStateClass.TOTAL_INCREASING,
        suggested_display_precision=2,
        value_fn=_usage(lambda u: u.cost),
    ),
    MachineSensorDescription(
        key="total_tokens",
        translation_key="total_tokens",
        native_unit_of_measurement=UNIT_TOKENS,
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=_usage(lambda u: u.tokens),
    ),
)

# Which OpenCode lines and versions the agent follows (followed.py): written only when
# an instance connects, leaves or changes version, or the agent's connection changes.
OPENCODE_VERSIONS = SensorEntityDescription(
    key="opencode_versions",
    translation_key="opencode_versions",
    entity_category=EntityCategory.DIAGNOSTIC,
)

# Enabled by default: what a user watches or automates on (state, cost, context). The
# rest is one click away: each enabled entity is rewritten when the session's device
# is renamed after its title; the pending permission's and the current tool's states
# quote commands, which the recorder would keep (the card and the phone notifications
# show them without recording them).
SESSION_SENSORS: tuple[SessionSensorDescription, ...] = (
    SessionSensorDescription(
        key="state",
        translation_key="state",
        device_class=SensorDeviceClass.ENUM,
        options=[state.value for state in State],
        value_fn=lambda s: s.state,
    ),
    SessionSensorDescription(
        key="model",
        translation_key="model",
        entity_registry_enabled_default=False,
        value_fn=lambda s: s.model,
    ),
    SessionSensorDescription(
        key="agent",
        translation_key="agent",
        entity_registry_enabled_default=False,
        value_fn=lambda s: s.agent,
    ),
    SessionSensorDescription(
        key="current_agent",
        translation_key="current_agent",
        entity_registry_enabled_default=False,
        value_fn=lambda s: s.current_agent,
    ),
    SessionSensorDescription(
        key="current_tool",
        translation_key="current_tool",
        entity_registry_enabled_default=False,
        value_fn=lambda s: s.current_tool,
    ),
    SessionSensorDescription(
        key="title",
        translation_key="title",
        entity_registry_enabled_default=False,
        value_fn=lambda s: s.title,
    ),
    # Off: its state is the command (states are recorded). The Approve buttons, off
    # too, answer only while it is enabled: the command shows where Approve is.
    SessionSensorDescription(
        key="permission",
        translation_key="permission",
        entity_registry_enabled_default=False,
        value_fn=lambda s: s.permission.title if s.permission else None,
        attr_fn=_permission_attrs,
    ),
    *(_tokens(key) for key in TOKEN_COUNTERS),
    SessionSensorDescription(
        key="cost",
        translation_key="cost",
        device_class=SensorDeviceClass.MONETARY,
        native_unit_of_measurement=CURRENCY_USD,
        state_class=SensorStateClass.TOTAL,
        suggested_display_precision=2,
        value_fn=lambda s: s.cost_total,
    ),
    SessionSensorDescription(
        key="context_usage",
        translation_key="context_usage",
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_context_usage,
    ),
    SessionSensorDescription(
        key="last_activity",
        translation_key="last_activity",
        device_class=SensorDeviceClass.TIMESTAMP,
        # Off by default: at the end of every run it logs the moment the State sensor
        # turns idle a second time, and State's own last change says the same.
        entity_registry_enabled_default=False,
        value_fn=lambda s: s.last_activity,
    ),
    SessionSensorDescription(
        key="files_changed",
        translation_key="files_changed",
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
        value_fn=lambda s: s.files_changed,
    ),
    SessionSensorDescription(
        key="hostname",
        translation_key="hostname",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda s: s.hostname,
    ),
    SessionSensorDescription(
        key="directory",
        translation_key="directory",
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda s: s.directory,
    ),
)


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenCodeLookoutConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Set up the machine sensors and the sensors of every session."""
    registry = er.async_get(hass)
    server_id = entry.runtime_data.manager.server_id
    for key in REMOVED_MACHINE_SENSORS:
        if old := registry.async_get_entity_id("sensor", DOMAIN, f"{server_id}_{key}"):
            registry.async_remove(old)
    async_add_entities(
        [
            *(MachineSensor(entry, d) for d in MACHINE_SENSORS),
            OpenCodeVersionsSensor(entry, OPENCODE_VERSIONS),
        ]
    )

    def factory(
        entry: OpenCodeLookoutConfigEntry, session: Session
    ) -> list[SessionSensor]:
        """Create the sensors of one session."""
        return [
            (LastActivitySensor if d.key == "last_activity" else SessionSensor)(
                entry, d, session.id
            )
            for d in SESSION_SENSORS
        ]

    async_setup_session_entities(entry, async_add_entities, factory)


class MachineSensor(MachineEntity, SensorEntity):
    """A sensor of the whole machine: its sessions or its usage."""

    entity_description: MachineSensorDescription

    @property
    @override
    def native_value(self) -> StateType:
        """Return the value from the entry's data."""
        return self.entity_description.value_fn(self.data)


class OpenCodeVersionsSensor(MachineEntity, SensorEntity):
    """The OpenCode versions the agent follows, with each instance in the attributes."""

    @property
    @override
    def native_value(self) -> str | None:
        """Return the versions of the connected instances, newest first."""
        return versions_state(self.data.tracker.instances.values())

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any]:
        """Return every instance: kind, version, connected."""
        return instances_attributes(self.data.tracker.instances.values())

    @override
    async def async_added_to_hass(self) -> None:
        """Write the state only when the instances or the connection change."""
        self.async_on_remove(
            self.data.dispatcher.async_add_instance_listener(self.async_write_ha_state)
        )


class SessionSensor(SessionEntity, SensorEntity):
    """A sensor of one root session."""

    entity_description: SessionSensorDescription
    # The pending permission's command and patterns: shown, never recorded.
    _unrecorded_attributes = frozenset({"title", "patterns", "always"})

    @property
    @override
    def native_value(self) -> StateType | datetime:
        """Return the value read from the session."""
        if (session := self.session) is None:
            return None
        return self.entity_description.value_fn(session)

    @property
    @override
    def extra_state_attributes(self) -> dict[str, Any] | None:
        """Return extra attributes (the pending permission's details)."""
        if (session := self.session) is None:
            return None
        return self.entity_description.attr_fn(session)


class LastActivitySensor(SessionSensor):
    """Last activity, written at most once a minute while working (last_activity.py)."""

    _shown: datetime | None = None

    @property
    @override
    def native_value(self) -> datetime | None:
        """Return the last activity to show now."""
        if (session := self.session) is None:
            return None
        self._shown = shown_last_activity(self._shown, session)
        return self._shown
