"""Keep the session cache, devices, usage and followed OpenCode in step with the agent.

The manager hands every snapshot, session update, removal, usage and instance change
to the tracker; the tracker decides what a change means (a new device, a session that
no longer keeps one by the retention rule of retention.py) and tells the entities
through the dispatcher. Runs are the agent's facts (runs.py), never derived here from
state changes.
"""

from collections.abc import Iterable
import dataclasses
from datetime import datetime, timedelta

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util

from .client import Instance, Session, Snapshot, Usage
from .const import (
    CONF_MAX_SESSION_DEVICES,
    CONF_SESSION_MAX_AGE_HOURS,
    DEFAULT_MAX_SESSION_DEVICES,
    DEFAULT_SESSION_MAX_AGE_HOURS,
)
from .devices import (
    async_remove_session_device,
    async_remove_vanished_devices,
    async_update_session_device,
)
from .dispatcher import Dispatcher
from .entity_ids import async_follow_project
from .retention import retained
from .sessions import SessionCache


class SessionTracker:
    """Apply what the agent reports about root sessions."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        *,
        server_id: str,
        sessions: SessionCache,
        dispatcher: Dispatcher,
    ) -> None:
        """Store the cache and where changes go."""
        self.hass = hass
        self.entry = entry
        self.server_id = server_id
        self.sessions = sessions
        self.dispatcher = dispatcher
        # The machine's totals (None until the first snapshot).
        self.usage: Usage | None = None
        # The OpenCode instances the agent reports, by id (the snapshot's, then events).
        self.instances: dict[str, Instance] = {}

    def _retained(self, sessions: Iterable[Session]) -> set[str]:
        """Return the ids among these root sessions that keep a device (the options)."""
        options = self.entry.options
        hours = options.get(CONF_SESSION_MAX_AGE_HOURS, DEFAULT_SESSION_MAX_AGE_HOURS)
        limit = options.get(CONF_MAX_SESSION_DEVICES, DEFAULT_MAX_SESSION_DEVICES)
        return retained(
            sessions, dt_util.utcnow(), timedelta(hours=int(hours)), int(limit)
        )

    @callback
    def async_apply_snapshot(self, snapshot: Snapshot) -> None:
        """Replace the cache with a snapshot's retained roots; remove the other devices."""
        self.usage = snapshot.usage
        # No notification: a snapshot comes with the connection's, which tells everyone.
        self.instances = {i.id: i for i in snapshot.instances}
        roots = {s.id: s for s in snapshot.sessions if not s.is_child}
        keep = self._retained(roots.values())
        self._async_remove_all_but(keep)
        for session in roots.values():
            if session.id in keep:
                self._async_store(session)
        async_remove_vanished_devices(
            self.hass, self.entry, self.server_id, self.sessions
        )

    @callback
    def async_update(self, session: Session) -> None:
        """Store a root session if it keeps a device; drop those it pushes out."""
        others = [s for s in self.sessions.values() if s.id != session.id]
        # The cache once this session is stored: one rule decides for all of them.
        keep = self._retained([*others, session])
        if session.id not in keep:
            if session.id in self.sessions:
                self.async_remove(session.id)
            return
        self._async_store(session)
        self._async_remove_all_but(keep)

    @callback
    def _async_store(self, session: Session) -> None:
        """Store a root session; add or update its device and tell its entities."""
        old = self.sessions.get(session.id)
        self.sessions[session.id] = session
        if old is None or old.title != session.title:
            async_update_session_device(self.hass, self.entry, self.server_id, session)
        if old is None or old.project != session.project:
            # Before new entities are added; also after a restart of Home Assistant.
            async_follow_project(
                self.hass, self.entry.entry_id, self.server_id, session
            )
        if old is None:
            self.dispatcher.async_notify_new_session(session)
        self.dispatcher.async_notify(session.id)

    @callback
    def async_update_usage(self, usage: Usage) -> None:
        """Store the machine's totals and update the machine entities."""
        self.usage = usage
        self.dispatcher.async_notify_machine()

    @callback
    def async_instance_connected(self, instance: Instance) -> None:
        """Store an instance that connected (new, back, or with another version)."""
        # As the agent does: disconnected instances that own no session (of those
        # with a device here) are dropped.
        owners = {s.instance_id for s in self.sessions.values()}
        kept = {
            i.id: i for i in self.instances.values() if i.connected or i.id in owners
        }
        kept[instance.id] = instance
        if kept != self.instances:
            self.instances = kept
            self.dispatcher.async_notify_instances()

    @callback
    def async_instance_disconnected(self, instance_id: str) -> None:
        """Mark an instance disconnected (the agent still lists it)."""
        instance = self.instances.get(instance_id)
        if instance is not None and instance.connected:
            self.instances[instance_id] = dataclasses.replace(instance, connected=False)
            self.dispatcher.async_notify_instances()

    @callback
    def async_remove(self, session_id: str) -> None:
        """Forget a session and remove its device (and so its entities)."""
        self.sessions.pop(session_id, None)
        self.dispatcher.async_drop_session(session_id)
        async_remove_session_device(self.hass, self.entry, self.server_id, session_id)
        self.dispatcher.async_notify(session_id)

    @callback
    def async_forget(self, session_id: str) -> None:
        """Forget a session whose device the user deletes."""
        self.sessions.pop(session_id, None)
        self.dispatcher.async_notify(session_id)

    @callback
    def async_remove_stale(self, _now: datetime) -> None:
        """Drop the devices of sessions that aged out (every RETENTION_CHECK_INTERVAL)."""
        self._async_remove_all_but(self._retained(self.sessions.values()))

    @callback
    def _async_remove_all_but(self, keep: set[str]) -> None:
        """Remove the cached sessions outside ``keep`` (and their devices)."""
        for session_id in [sid for sid in self.sessions if sid not in keep]:
            self.async_remove(session_id)
