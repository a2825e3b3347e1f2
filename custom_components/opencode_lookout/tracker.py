"""Keep the session cache, the session devices and the machine's usage in step with the agent.

The manager hands every snapshot, session update, removal and usage to the tracker;
the tracker decides what a change means (a new device, a stale session) and tells the
entities through the dispatcher. Runs are the agent's facts (runs.py), never derived
here from state changes.
"""

from datetime import datetime

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from .activity import Activity
from .client import Session, Snapshot, Usage
from .devices import (
    async_remove_session_device,
    async_remove_vanished_devices,
    async_update_session_device,
)
from .dispatcher import Dispatcher
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
        activity: Activity,
    ) -> None:
        """Store the cache and where changes go."""
        self.hass = hass
        self.entry = entry
        self.server_id = server_id
        self.sessions = sessions
        self.dispatcher = dispatcher
        self.activity = activity
        # The machine's totals (None until the first snapshot).
        self.usage: Usage | None = None

    def is_stale(self, session: Session) -> bool:
        """Return True when a session should have no device (retention.py decides)."""
        return False

    @callback
    def async_apply_snapshot(self, snapshot: Snapshot) -> None:
        """Replace the cache with a snapshot and remove vanished devices."""
        self.usage = snapshot.usage
        roots = {s.id: s for s in snapshot.sessions if not s.is_child}
        for session_id in [sid for sid in self.sessions if sid not in roots]:
            self.async_remove(session_id)
        for session in roots.values():
            self.async_update(session)
        async_remove_vanished_devices(
            self.hass, self.entry, self.server_id, self.sessions
        )

    @callback
    def async_update(self, session: Session) -> None:
        """Store a root session; add, update or drop its device."""
        if self.is_stale(session):
            if session.id in self.sessions:
                self.async_remove(session.id)
            return
        old = self.sessions.get(session.id)
        self.sessions[session.id] = session
        if old is None or old.title != session.title:
            async_update_session_device(self.hass, self.entry, self.server_id, session)
        if old is None:
            self.dispatcher.async_notify_new_session(session)
        self.dispatcher.async_notify(session.id)

    @callback
    def async_update_usage(self, usage: Usage) -> None:
        """Store the machine's totals and update the machine entities."""
        self.usage = usage
        self.dispatcher.async_notify_machine()

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
        """Remove sessions that became stale (run every STALE_CHECK_INTERVAL)."""
        for session in [s for s in self.sessions.values() if self.is_stale(s)]:
            self.async_remove(session.id)
