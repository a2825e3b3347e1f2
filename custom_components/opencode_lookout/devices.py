"""Device registry: the machine device of an entry and one device per root session."""

from collections.abc import Container

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr

from .client import ServerInfo, Session
from .const import DOMAIN, MACHINE_MODEL, MANUFACTURER, SESSION_MODEL


def session_identifier(server_id: str, session_id: str) -> str:
    """Return the device registry identifier of a session device."""
    return f"{server_id}_{session_id}"


def session_id_of_device(server_id: str, device: dr.DeviceEntry) -> str | None:
    """Return the session id of a session device, None for the machine."""
    prefix = f"{server_id}_"
    for domain, ident in device.identifiers:
        if domain == DOMAIN and ident.startswith(prefix):
            return ident.removeprefix(prefix)
    return None


@callback
def async_update_machine_device(
    hass: HomeAssistant, entry: ConfigEntry, server_id: str, info: ServerInfo
) -> None:
    """Create or refresh the machine device of an entry."""
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, server_id)},
        name=info.hostname,
        manufacturer=MANUFACTURER,
        model=MACHINE_MODEL,
        sw_version=info.version,
    )


@callback
def async_get_session_device(
    hass: HomeAssistant, entry: ConfigEntry, server_id: str, session_id: str
) -> dr.DeviceEntry | None:
    """Return the device of a session, if it exists."""
    return dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, session_identifier(server_id, session_id)), entry.entry_id
    )


@callback
def async_update_session_device(
    hass: HomeAssistant, entry: ConfigEntry, server_id: str, session: Session
) -> None:
    """Create a session device, or keep its name in sync with the title."""
    dev_reg = dr.async_get(hass)
    name = session.title or session.id
    if device := async_get_session_device(hass, entry, server_id, session.id):
        if device.name != name:
            dev_reg.async_update_device(device.id, name=name)
        return
    machine = dev_reg.async_get_device_by_identifier(
        (DOMAIN, server_id), entry.entry_id
    )
    dev_reg.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, session_identifier(server_id, session.id))},
        name=name,
        manufacturer=MANUFACTURER,
        model=SESSION_MODEL,
        via_device_id=machine.id if machine else None,
    )


@callback
def async_remove_session_device(
    hass: HomeAssistant, entry: ConfigEntry, server_id: str, session_id: str
) -> None:
    """Remove a session device (and so its entities) if it exists."""
    if device := async_get_session_device(hass, entry, server_id, session_id):
        dr.async_get(hass).async_remove_device(device.id)


@callback
def async_remove_vanished_devices(
    hass: HomeAssistant, entry: ConfigEntry, server_id: str, keep: Container[str]
) -> None:
    """Remove the session devices of sessions not in keep."""
    dev_reg = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(dev_reg, entry.entry_id):
        session_id = session_id_of_device(server_id, device)
        if session_id is not None and session_id not in keep:
            dev_reg.async_remove_device(device.id)
