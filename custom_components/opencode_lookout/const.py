"""Constants of the OpenCode Lookout integration."""

from datetime import timedelta
from typing import Final

DOMAIN: Final = "opencode_lookout"

# Which sessions have a device (retention.py): the busy ones, then the most recently
# active within the age, up to the number. The rest stay in the agent.
CONF_SESSION_MAX_AGE_HOURS: Final = "session_max_age_hours"
DEFAULT_SESSION_MAX_AGE_HOURS: Final = 24
CONF_MAX_SESSION_DEVICES: Final = "max_session_devices"
DEFAULT_MAX_SESSION_DEVICES: Final = 20
RETENTION_CHECK_INTERVAL: Final = timedelta(minutes=10)
# Replaced by the two options above: the options flow drops an old entry's value.
CONF_STALE_DAYS: Final = "stale_days"

# Built-in phone notifications (options; see notifications.py).
CONF_NOTIFY: Final = "notifications"  # the options-flow section
CONF_NOTIFY_TARGETS: Final = "notify_targets"
CONF_NOTIFY_PERMISSIONS: Final = "notify_permissions"
CONF_NOTIFY_QUESTIONS: Final = "notify_questions"
CONF_NOTIFY_FINISHED: Final = "notify_finished"
CONF_NOTIFY_ERRORS: Final = "notify_errors"
CONF_NOTIFY_MIN_DURATION: Final = "notify_min_duration"
CONF_NOTIFY_DELAY: Final = "notify_delay"
DEFAULT_NOTIFY_MIN_DURATION: Final = 30
DEFAULT_NOTIFY_DELAY: Final = 0
NOTIFY_DEFAULTS: Final[dict[str, bool | int]] = {
    CONF_NOTIFY_PERMISSIONS: True,
    CONF_NOTIFY_QUESTIONS: True,
    CONF_NOTIFY_FINISHED: True,
    CONF_NOTIFY_ERRORS: True,
    CONF_NOTIFY_MIN_DURATION: DEFAULT_NOTIFY_MIN_DURATION,
    CONF_NOTIFY_DELAY: DEFAULT_NOTIFY_DELAY,
}
# Action ids of our notifications: OPENCODE_LOOKOUT_<verb>_<nonce> (notify/payloads.py).
ACTION_PREFIX: Final = "OPENCODE_LOOKOUT"

# Entry data written by the config flow: the agent's TLS certificate (SHA-256, hex).
# An entry without it is a legacy plaintext pairing (repairs.py leads it to re-pair).
CONF_FINGERPRINT: Final = "fingerprint"
# Options: user ids allowed to steer sessions besides the admins (steering.py).
CONF_STEER_USERS: Final = "steer_users"

MANUFACTURER: Final = "OpenCode Lookout"
MACHINE_MODEL: Final = "OpenCode Lookout agent"
SESSION_MODEL: Final = "OpenCode session"

EVENT_LOOKOUT: Final = f"{DOMAIN}_event"
EVENT_PERMISSION_REQUESTED: Final = "permission_requested"
EVENT_PERMISSION_RESOLVED: Final = "permission_resolved"
EVENT_QUESTION_ASKED: Final = "question_asked"
EVENT_COMPLETED: Final = "completed"
EVENT_ABORTED: Final = "aborted"
EVENT_ERROR: Final = "error"
EVENT_TYPES: Final = [
    EVENT_PERMISSION_REQUESTED,
    EVENT_PERMISSION_RESOLVED,
    EVENT_QUESTION_ASKED,
    EVENT_COMPLETED,
    EVENT_ERROR,
    EVENT_ABORTED,
]

# Fired for every command sent from Home Assistant (the audit trail; logbook.py).
EVENT_COMMAND: Final = f"{DOMAIN}_command"

ISSUE_INCOMPATIBLE_SCHEMA: Final = "incompatible_schema"
ISSUE_LEGACY_PLAINTEXT: Final = "legacy_plaintext"
