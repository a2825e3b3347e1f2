"""Who may steer sessions: admins, plus the users the options allow.

Steering is answering a permission or question, prompting, aborting and reading
messages. Calls without a user (automations and scripts, which only admins write)
are allowed.
"""

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import Context, HomeAssistant
from homeassistant.exceptions import Unauthorized

from .const import CONF_STEER_USERS, DOMAIN


class SteeringNotAllowed(Unauthorized):
    """A user who may not steer the sessions of this agent tried to."""

    def __init__(self, context: Context, entry: ConfigEntry) -> None:
        """Refuse with a translated message naming the agent."""
        super().__init__(context=context, config_entry_id=entry.entry_id)
        self.translation_domain = DOMAIN
        self.translation_key = "steer_not_allowed"
        self.translation_placeholders = {"title": entry.title}
        self.generate_message = True
        self.args = ("steer_not_allowed",)


async def async_may_steer(
    hass: HomeAssistant, entry: ConfigEntry, user_id: str | None
) -> bool:
    """Return True when this user (None: no user, an automation) may steer."""
    if user_id is None:
        return True
    if (user := await hass.auth.async_get_user(user_id)) is None:
        return False
    return user.is_admin or user_id in entry.options.get(CONF_STEER_USERS, [])


async def async_ensure_may_steer(
    hass: HomeAssistant, entry: ConfigEntry, context: Context
) -> None:
    """Raise SteeringNotAllowed unless the context's user may steer."""
    if not await async_may_steer(hass, entry, context.user_id):
        raise SteeringNotAllowed(context, entry)
