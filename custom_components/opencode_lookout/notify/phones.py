"""Which notify targets are the phones (mobile_app devices) of a user."""

from homeassistant.core import HomeAssistant
from homeassistant.util import slugify

MOBILE_APP = "mobile_app"


def phones_of_user(hass: HomeAssistant, user_id: str | None) -> set[str]:
    """Return the notify.mobile_app_* targets of the user's Companion app devices."""
    if user_id is None:
        return set()
    return {
        "notify." + slugify(f"{MOBILE_APP}_{entry.data.get('device_name', '')}")
        for entry in hass.config_entries.async_entries(MOBILE_APP)
        if entry.data.get("user_id") == user_id
    }
