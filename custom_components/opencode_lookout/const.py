"""Constants of the OpenCode Lookout integration."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

DOMAIN: Final = "opencode_lookout"

CONF_STALE_DAYS: Final = "stale_days"
DEFAULT_STALE_DAYS: Final = 7
STALE_CHECK_INTERVAL: Final = timedelta(hours=1)

MANUFACTURER: Final = "OpenCode Lookout"
MACHINE_MODEL: Final = "OpenCode Lookout agent"
SESSION_MODEL: Final = "OpenCode session"

EVENT_LOOKOUT: Final = f"{DOMAIN}_event"
EVENT_PERMISSION_REQUESTED: Final = "permission_requested"
EVENT_PERMISSION_RESOLVED: Final = "permission_resolved"
EVENT_QUESTION_ASKED: Final = "question_asked"
EVENT_COMPLETED: Final = "completed"
EVENT_ERROR: Final = "error"
EVENT_TYPES: Final = [
    EVENT_PERMISSION_REQUESTED,
    EVENT_PERMISSION_RESOLVED,
    EVENT_QUESTION_ASKED,
    EVENT_COMPLETED,
    EVENT_ERROR,
]

ISSUE_INCOMPATIBLE_SCHEMA: Final = "incompatible_schema"
