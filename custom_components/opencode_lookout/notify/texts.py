"""Translated texts of the notifications (strings.json category "common").

"common" is the flat text category hassfest accepts in an integration's strings
(placeholders allowed); it is loaded like any other category.
"""

from homeassistant.core import HomeAssistant
from homeassistant.helpers.translation import async_get_translations

from ..const import DOMAIN

CATEGORY = "common"


class Texts:
    """The notification texts in the configured language."""

    def __init__(self, strings: dict[str, str]) -> None:
        """Store the flat translations of the integration."""
        self._strings = strings

    def __call__(self, key: str, **placeholders: str) -> str:
        """Return one text with its placeholders filled in."""
        text = self._strings.get(f"component.{DOMAIN}.{CATEGORY}.{key}", key)
        for name, value in placeholders.items():
            text = text.replace(f"{{{name}}}", value)
        return text


async def async_load_texts(hass: HomeAssistant) -> Texts:
    """Load the notification texts in the configured language."""
    strings = await async_get_translations(
        hass, hass.config.language, CATEGORY, {DOMAIN}
    )
    return Texts(strings)
