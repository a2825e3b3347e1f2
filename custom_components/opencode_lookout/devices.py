"""Device registry and issue registry helpers of the manager."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr, issue_registry as ir

from .client import IncompatibleSchema, ServerInfo, Session
from .const import (
    DOMAIN,
    ISSUE_INCOMPATIBLE_SCHEMA,
    MACHINE_MODEL,
    MANUFACTURER,
    SESSION_MODEL,
)
from .models import OpenCodeLookoutConfigEntry


@callback
def async_update_machine_device(
    hass: HomeAssistant, entry: OpenCodeLookoutConfigEntry, info: ServerInfo
) -> None:
    """Create or refresh the machine device of an entry."""
    dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, entry.unique_id or info.server_id)},
        name=info.hostname,
        manufacturer=MANUFACTURER,
        model=MACHINE_MODEL,
        sw_version=info.version,
    )


@callback
def async_update_session_device(
    hass: HomeAssistant,
    entry: OpenCodeLookoutConfigEntry,
    identifier: str,
    session: Session,
) -> None:
    """Create a session device, or keep its name in sync with the title."""
    dev_reg = dr.async_get(hass)
    name = session.title or session.id
    if device := dev_reg.async_get_device_by_identifier(
        (DOMAIN, identifier), entry.entry_id
    ):
        if device.name != name:
            dev_reg.async_update_device(device.id, name=name)
        return
    machine = dev_reg.async_get_device_by_identifier(
        (DOMAIN, entry.unique_id or ""), entry.entry_id
    )
    dev_reg.async_get_or_create(
        config_entry_id=entry.entry_id,
        identifiers={(DOMAIN, identifier)},
        name=name,
        manufacturer=MANUFACTURER,
        model=SESSION_MODEL,
        via_device_id=machine.id if machine else None,
    )


@callback
def async_get_device(
    hass: HomeAssistant, entry: OpenCodeLookoutConfigEntry, identifier: str
) -> dr.DeviceEntry | None:
    """Return the device of this entry with the given identifier."""
    return dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, identifier), entry.entry_id
    )


@callback
def async_remove_device(
    hass: HomeAssistant, entry: OpenCodeLookoutConfigEntry, identifier: str
) -> None:
    """Remove a device (and so its entities) if it exists."""
    if device := async_get_device(hass, entry, identifier):
        dr.async_get(hass).async_remove_device(device.id)


def issue_id(entry: OpenCodeLookoutConfigEntry) -> str:
    """Return the id of the incompatible-schema repair issue of an entry."""
    return f"{ISSUE_INCOMPATIBLE_SCHEMA}_{entry.entry_id}"


@callback
def async_create_schema_issue(
    hass: HomeAssistant, entry: OpenCodeLookoutConfigEntry, err: IncompatibleSchema
) -> None:
    """Raise the repair issue for an agent speaking an incompatible schema."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(entry),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_INCOMPATIBLE_SCHEMA,
        translation_placeholders={
            "title": entry.title,
            "schema": f"{err.min_schema}..{err.schema}",
            "client_schema": str(err.client_schema),
        },
    )


@callback
def async_delete_schema_issue(
    hass: HomeAssistant, entry: OpenCodeLookoutConfigEntry
) -> None:
    """Clear the incompatible-schema repair issue of an entry."""
    ir.async_delete_issue(hass, DOMAIN, issue_id(entry))
