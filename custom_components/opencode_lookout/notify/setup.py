"""Start the notifications of a loaded entry."""

from homeassistant.core import HomeAssistant

from ..models import OpenCodeLookoutConfigEntry
from .sender import PhoneNotifier
from .taps import TapHandler
from .texts import async_load_texts


async def async_setup_notify(
    hass: HomeAssistant, entry: OpenCodeLookoutConfigEntry
) -> None:
    """Start the notifier and the tap handler of a loaded entry."""
    notifier = PhoneNotifier(hass, entry, await async_load_texts(hass))
    TapHandler(hass, entry, notifier).async_start()
    notifier.async_start()
