"""The dashboard card: serve its bundle and load it in every dashboard.

The bundle (frontend/opencode-lookout-card.js) is built from card/ by
scripts/build-card. Its URL carries a hash of its content, so browsers cache it
for good and still fetch a new build at once. The JavaScript holds no data; the
card reads sessions over the authenticated websocket (websocket_api.py).
"""

import hashlib
from pathlib import Path

from homeassistant.components.frontend import add_extra_js_url
from homeassistant.components.http import StaticPathConfig
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_when_setup

from .const import DOMAIN
from .websocket_api import async_register_commands

BUNDLE = Path(__file__).parent / "frontend" / "opencode-lookout-card.js"
URL_PATH = f"/{DOMAIN}/opencode-lookout-card.js"


def _bundle_hash() -> str:
    """Return a short hash of the bundle (blocking: run in the executor)."""
    return hashlib.sha256(BUNDLE.read_bytes()).hexdigest()[:16]


async def async_setup_card(hass: HomeAssistant) -> None:
    """Register the card's websocket command; load the card once the frontend is up."""
    async_register_commands(hass)
    # Without the frontend (a headless setup) there is no dashboard to load it in.
    async_when_setup(hass, "frontend", _async_serve_card)


async def _async_serve_card(hass: HomeAssistant, _component: str) -> None:
    """Serve the bundle and add it to the modules every dashboard loads.

    The frontend depends on http, so hass.http is set by the time this runs.
    """
    version = await hass.async_add_executor_job(_bundle_hash)
    await hass.http.async_register_static_paths(
        [StaticPathConfig(URL_PATH, str(BUNDLE), cache_headers=True)]
    )
    add_extra_js_url(hass, f"{URL_PATH}?v={version}")
