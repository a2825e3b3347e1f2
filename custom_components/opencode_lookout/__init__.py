"""The OpenCode Lookout integration: OpenCode sessions of a dev machine."""

from __future__ import annotations

from homeassistant.const import CONF_HOST, CONF_PORT, CONF_TOKEN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from .client import ClientError, IncompatibleSchema, InvalidAuth, LookoutClient
from .const import DOMAIN
from .devices import async_create_schema_issue, async_delete_schema_issue
from .manager import LookoutManager
from .models import OpenCodeLookoutConfigEntry, OpenCodeLookoutData
from .notifications import PhoneNotifier
from .services import async_setup_services

PLATFORMS = [Platform.BINARY_SENSOR, Platform.BUTTON, Platform.EVENT, Platform.SENSOR]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions of the integration."""
    async_setup_services(hass)
    return True


async def async_setup_entry(
    hass: HomeAssistant, entry: OpenCodeLookoutConfigEntry
) -> bool:
    """Connect to the agent, subscribe, then set up the platforms."""
    client = LookoutClient(
        async_get_clientsession(hass),
        entry.data[CONF_HOST],
        entry.data[CONF_PORT],
        entry.data[CONF_TOKEN],
    )
    placeholders = {"host": client.url}
    try:
        info, snapshot = await client.connect()
    except InvalidAuth as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="invalid_auth",
            translation_placeholders=placeholders,
        ) from err
    except IncompatibleSchema as err:
        async_create_schema_issue(hass, entry, err)
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="incompatible_schema",
            translation_placeholders=placeholders,
        ) from err
    except ClientError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders=placeholders,
        ) from err
    async_delete_schema_issue(hass, entry)
    if info.server_id != entry.unique_id:
        await client.disconnect()
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="wrong_agent",
            translation_placeholders={**placeholders, "server_id": info.server_id},
        )
    manager = LookoutManager(hass, entry, client, info)
    entry.runtime_data = OpenCodeLookoutData(manager=manager)
    manager.async_start(snapshot)
    await PhoneNotifier(hass, entry, manager).async_start()
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(
    hass: HomeAssistant, entry: OpenCodeLookoutConfigEntry
) -> bool:
    """Unload the platforms and close the connection."""
    if unloaded := await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        await entry.runtime_data.manager.async_stop()
    return unloaded


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: OpenCodeLookoutConfigEntry, device: dr.AnyDeviceEntry
) -> bool:
    """Allow deleting session devices, never the machine device."""
    manager = entry.runtime_data.manager
    if (
        not isinstance(device, dr.DeviceEntry)
        or (session_id := manager.session_id_of_device(device)) is None
    ):
        return False
    manager.async_forget_session(session_id)
    return True
