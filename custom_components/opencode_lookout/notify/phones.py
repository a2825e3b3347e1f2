"""Which notify targets are Companion-app phones, and whose."""

from homeassistant.core import HomeAssistant
from homeassistant.util import slugify

MOBILE_APP = "mobile_app"
COMPANION_PREFIX = f"notify.{MOBILE_APP}_"


def is_companion(target: str) -> bool:
    """Return True for a Companion app's notify action (tags, actions, clearing work).

    Any other notify action (e-mail, Telegram, persistent notification...) would show
    our data as text or reject it, and a later clear_notification as a new message.
    """
    return target.startswith(COMPANION_PREFIX)


def phone_owners(hass: HomeAssistant, target: str) -> set[str]:
    """Return the user ids whose Companion app device is behind a notify target."""
    return {
        entry.data["user_id"]
        for entry in hass.config_entries.async_entries(MOBILE_APP)
        if entry.data.get("user_id")
        and target
        == "notify." + slugify(f"{MOBILE_APP}_{entry.data.get('device_name', '')}")
    }


def phones_of_user(hass: HomeAssistant, user_id: str | None) -> set[str]:
    """Return the notify.mobile_app_* targets of the user's Companion app devices."""
    if user_id is None:
        return set()
    return {
        "notify." + slugify(f"{MOBILE_APP}_{entry.data.get('device_name', '')}")
        for entry in hass.config_entries.async_entries(MOBILE_APP)
        if entry.data.get("user_id") == user_id
    }
