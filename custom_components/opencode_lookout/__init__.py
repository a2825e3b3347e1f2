"""The OpenCode Lookout integration: the OpenCode sessions of a dev machine.

Where each job lives:
- this file: set up and unload an entry (connect, wire the parts, forward platforms);
- models.py: the runtime data of an entry and the typed ConfigEntry;
- client/: the protocol client (no Home Assistant imports);
- manager.py: the connection (reconnect with backoff) and translating agent events;
- tracker.py: applying session changes (sessions.py the cache, runs.py the agent's finished runs,
  devices.py the device registry, retention.py which sessions keep a device);
  activity.py: event entity and bus events;
  dispatcher.py: the listeners of entities and the notifier;
- commands.py: actions, buttons and taps to the agent (steering.py who may,
  agent.py + errors.py the client calls and their translated errors, audit.py +
  logbook.py the audit trail); services.py: the actions;
- notify/: phone notifications and their taps;
- repairs.py: repair issues and their fix flow;
- frontend.py + websocket_api.py: the dashboard card (bundle in frontend/, sources in
  card/ at the repo root) and its live subscription;
- entity.py (entity_ids.py the session entity ids) and the platforms; config_flow.py,
  options_flow.py, diagnostics.py.
"""

from homeassistant.const import (
    CONF_HOST,
    CONF_PORT,
    CONF_TOKEN,
    EVENT_HOMEASSISTANT_STOP,
    Platform,
)
from homeassistant.core import Event, HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.typing import ConfigType

from .activity import Activity
from .agent import Agent
from .client import LookoutClient
from .const import CONF_FINGERPRINT, DOMAIN, RETENTION_CHECK_INTERVAL
from .devices import session_id_of_device
from .dispatcher import Dispatcher
from .errors import setup_errors
from .frontend import async_setup_card
from .manager import LookoutManager
from .models import OpenCodeLookoutConfigEntry, OpenCodeLookoutData
from .notify.setup import async_setup_notify
from .notify.state import NotifyState
from .repairs import (
    async_create_plaintext_issue,
    async_delete_plaintext_issue,
    async_delete_schema_issue,
)
from .services import async_setup_services
from .sessions import SessionCache
from .tracker import SessionTracker

PLATFORMS = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.SENSOR,
    Platform.TODO,
]

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions of the integration and its dashboard card."""
    async_setup_services(hass)
    await async_setup_card(hass)
    return True


async def _async_connect(
    hass: HomeAssistant, entry: OpenCodeLookoutConfigEntry
) -> LookoutManager:
    """Connect to the agent (pinned) and build the parts of the entry."""
    placeholders = {"host": f"{entry.data[CONF_HOST]}:{entry.data[CONF_PORT]}"}
    if CONF_FINGERPRINT not in entry.data:
        # Paired before TLS: the token must never travel in plaintext again.
        async_create_plaintext_issue(hass, entry)
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN,
            translation_key="legacy_plaintext",
            translation_placeholders=placeholders,
        )
    async_delete_plaintext_issue(hass, entry)
    client = LookoutClient(
        async_get_clientsession(hass),
        entry.data[CONF_HOST],
        entry.data[CONF_PORT],
        entry.data[CONF_TOKEN],
        entry.data[CONF_FINGERPRINT],
    )
    with setup_errors(hass, entry, placeholders["host"]):
        info, snapshot = await client.connect()
    async_delete_schema_issue(hass, entry)
    if info.server_id != entry.unique_id:
        await client.disconnect()
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="wrong_agent",
            translation_placeholders={**placeholders, "server_id": info.server_id},
        )
    server_id = info.server_id
    sessions, dispatcher = SessionCache(), Dispatcher()
    activity = Activity(hass, entry, server_id, dispatcher, info.hostname)
    tracker = SessionTracker(
        hass, entry, server_id=server_id, sessions=sessions, dispatcher=dispatcher
    )
    manager = LookoutManager(
        hass,
        entry,
        client=client,
        server_info=info,
        tracker=tracker,
        dispatcher=dispatcher,
        activity=activity,
    )
    entry.runtime_data = OpenCodeLookoutData(
        manager=manager,
        sessions=sessions,
        tracker=tracker,
        dispatcher=dispatcher,
        agent=Agent(manager),
        notify=NotifyState(),
    )
    manager.async_start(snapshot)
    return manager


async def async_setup_entry(
    hass: HomeAssistant, entry: OpenCodeLookoutConfigEntry
) -> bool:
    """Connect, start listening and tracking, then notifications and platforms."""
    manager = await _async_connect(hass, entry)

    async def _async_on_stop(_event: Event) -> None:
        """Close the connection when Home Assistant stops."""
        await manager.async_stop()

    entry.async_on_unload(
        hass.bus.async_listen_once(EVENT_HOMEASSISTANT_STOP, _async_on_stop)
    )
    entry.async_on_unload(
        async_track_time_interval(
            hass,
            entry.runtime_data.tracker.async_remove_stale,
            RETENTION_CHECK_INTERVAL,
        )
    )
    await async_setup_notify(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(
    hass: HomeAssistant, entry: OpenCodeLookoutConfigEntry
) -> bool:
    """Unload the platforms and close the connection (runtime data goes with it)."""
    if unloaded := await hass.config_entries.async_unload_platforms(entry, PLATFORMS):
        await entry.runtime_data.manager.async_stop()
    return unloaded


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: OpenCodeLookoutConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Allow deleting session devices, never the machine device."""
    data = entry.runtime_data
    session_id = session_id_of_device(data.manager.server_id, device)
    if session_id is None:
        return False
    data.tracker.async_forget(session_id)
    return True
