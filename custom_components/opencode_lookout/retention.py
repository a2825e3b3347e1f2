"""Which root sessions have a device in Home Assistant (options: age and number).

A session that works or waits for an answer always keeps its device; the others keep
one while their last activity is within `session_max_age_hours`, newest first, up to
`max_session_devices` per machine (busy ones count). Sessions without a device stay in
the agent (its `list_sessions`, the CLI `opencode-lookout sessions`) and get their
device back when they are active again. The tracker (tracker.py) applies the rule.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from .client import Session, State

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
