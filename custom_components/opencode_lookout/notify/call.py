"""Call a notify action without a call_service event: the recorder keeps those.

Home Assistant fires call_service (domain, service and all its data) for every
action called through its registry, and the recorder stores the event: every
notification of a permission would put its command into the database. Ours call
the notify action's handler directly, with the same schema validation, so the text
reaches the phone and never the recorder. Should Home Assistant's internals move,
the ordinary (recorded) call is used rather than sending nothing.
"""

import inspect
from typing import Any

from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.exceptions import ServiceNotFound

NOTIFY = "notify"


async def async_notify_unrecorded(
    hass: HomeAssistant, target: str, payload: dict[str, Any]
) -> None:
    """Send one notification through notify.<name>, without a call_service event."""
    name = target.removeprefix(f"{NOTIFY}.")
    try:
        services = hass.services.async_services_internal()
    except AttributeError:  # pragma: no cover - older or newer internals
        await hass.services.async_call(NOTIFY, name, payload, blocking=True)
        return
    if (service := services.get(NOTIFY, {}).get(name)) is None:
        raise ServiceNotFound(NOTIFY, name)
    data = service.schema(dict(payload)) if service.schema else dict(payload)
    # Coroutine, callback or executor handler alike, as the registry runs them.
    result = hass.async_run_hass_job(service.job, ServiceCall(hass, NOTIFY, name, data))
    if inspect.isawaitable(result):
        await result
