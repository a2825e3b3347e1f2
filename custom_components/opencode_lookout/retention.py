"""Which root sessions have a device in Home Assistant (options: age and number).

A session that works or waits for an answer always keeps its device; the others keep
one while their last activity is within `session_max_age_hours`, newest first, up to
`max_session_devices` per machine (busy ones count). Sessions without a device stay in
the agent (its `list_sessions`, the CLI `opencode-lookout sessions`) and get their
device back when they are active again. RetainingTracker applies the rule.
"""

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import override

from homeassistant.core import callback
from homeassistant.util import dt as dt_util

from .client import Session, Snapshot, State
from .const import (
    CONF_MAX_SESSION_DEVICES,
    CONF_SESSION_MAX_AGE_HOURS,
    DEFAULT_MAX_SESSION_DEVICES,
    DEFAULT_SESSION_MAX_AGE_HOURS,
)
from .tracker import SessionTracker

BUSY = (State.WORKING, State.WAITING_PERMISSION, State.WAITING_INPUT)


def retained(
    sessions: Iterable[Session], now: datetime, max_age: timedelta, limit: int
) -> set[str]:
    """Return the ids of the sessions that have a device."""
    candidates = list(sessions)
    busy = {s.id for s in candidates if s.state in BUSY}
    recent = sorted(
        (
            s
            for s in candidates
            if s.id not in busy and now - s.last_activity <= max_age
        ),
        key=lambda s: s.last_activity,
        reverse=True,
    )
    return busy | {s.id for s in recent[: max(limit - len(busy), 0)]}


class RetainingTracker(SessionTracker):
    """The session tracker, holding devices only for the retained sessions."""

    def _retained(self, sessions: Iterable[Session]) -> set[str]:
        """Return the retained ids among these sessions, with the entry's options."""
        options = self.entry.options
        hours = options.get(CONF_SESSION_MAX_AGE_HOURS, DEFAULT_SESSION_MAX_AGE_HOURS)
        limit = options.get(CONF_MAX_SESSION_DEVICES, DEFAULT_MAX_SESSION_DEVICES)
        return retained(
            sessions, dt_util.utcnow(), timedelta(hours=int(hours)), int(limit)
        )

    @override
    def is_stale(self, session: Session) -> bool:
        """Return True when the session would not be retained next to the others."""
        others = (s for s in self.sessions.values() if s.id != session.id)
        return session.id not in self._retained([*others, session])

    @override
    @callback
    def async_apply_snapshot(self, snapshot: Snapshot) -> None:
        """Apply a snapshot of only the retained sessions (the others lose devices)."""
        keep = self._retained(s for s in snapshot.sessions if not s.is_child)
        sessions = [s for s in snapshot.sessions if s.is_child or s.id in keep]
        super().async_apply_snapshot(replace(snapshot, sessions=sessions))

    @override
    @callback
    def async_update(self, session: Session) -> None:
        """Store a session; one it pushes out of the retained ones loses its device."""
        super().async_update(session)
        self._async_drop_unretained()

    @override
    @callback
    def async_remove_stale(self, _now: datetime) -> None:
        """Drop the devices of sessions that aged out (run periodically)."""
        self._async_drop_unretained()

    @callback
    def _async_drop_unretained(self) -> None:
        """Remove the sessions outside the retained ones."""
        keep = self._retained(self.sessions.values())
        for session_id in [sid for sid in self.sessions if sid not in keep]:
            self.async_remove(session_id)
