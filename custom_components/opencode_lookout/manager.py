"""Own the agent connection and the session cache; push updates to entities."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
import logging
from typing import Any

from homeassistant.const import EVENT_HOMEASSISTANT_STOP
from homeassistant.core import Event as HassEvent, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.util import dt as dt_util

from .client import (
    ClientError,
    Event,
    IncompatibleSchema,
    InvalidAuth,
    LookoutClient,
    ReconnectLogic,
    ServerInfo,
    Session,
    Snapshot,
)
from .const import (
    CONF_STALE_DAYS,
    DEFAULT_STALE_DAYS,
    DOMAIN,
    EVENT_COMPLETED,
    EVENT_ERROR,
    EVENT_LOOKOUT,
    EVENT_PERMISSION_REQUESTED,
    EVENT_PERMISSION_RESOLVED,
    EVENT_QUESTION_ASKED,
    STALE_CHECK_INTERVAL,
)
from .devices import (
    async_create_schema_issue,
    async_delete_schema_issue,
    async_get_device,
    async_remove_device,
    async_update_machine_device,
    async_update_session_device,
)
from .dispatcher import Dispatcher
from .events import permission_details, question_details
from .models import OpenCodeLookoutConfigEntry

_LOGGER = logging.getLogger(__name__)

# States of a run: from leaving idle/error until the session is idle/error again.
BUSY_STATES = ("working", "waiting_permission", "waiting_input")


class LookoutManager(Dispatcher):
    """Connection, session cache and dispatcher of one agent (one config entry)."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: OpenCodeLookoutConfigEntry,
        client: LookoutClient,
        server_info: ServerInfo,
    ) -> None:
        """Store the connected client; call async_start next."""
        super().__init__()
        self.hass = hass
        self.entry = entry
        self.client = client
        self.server_info = server_info
        self.server_id: str = entry.unique_id or server_info.server_id
        self.sessions: dict[str, Session] = {}
        self._busy_since: dict[str, datetime] = {}
        self.connected = True
        self._reauth_started = False
        self._task: asyncio.Task[None] | None = None
        self._reconnect = ReconnectLogic(
            client,
            on_connect=self._on_connect,
            on_disconnect=self._on_disconnect,
            on_connect_error=self._on_connect_error,
        )

    @property
    def stale_days(self) -> int:
        """Return the configured number of days after which sessions are stale."""
        return int(self.entry.options.get(CONF_STALE_DAYS, DEFAULT_STALE_DAYS))

    def session_identifier(self, session_id: str) -> str:
        """Return the device registry identifier of a session device."""
        return f"{self.server_id}_{session_id}"

    def session_id_of_device(self, device: dr.DeviceEntry) -> str | None:
        """Return the session id of a session device, None for the machine."""
        prefix = f"{self.server_id}_"
        for domain, ident in device.identifiers:
            if domain == DOMAIN and ident.startswith(prefix):
                return ident.removeprefix(prefix)
        return None

    @callback
    def async_start(self, snapshot: Snapshot) -> None:
        """Apply the first snapshot and start listening in the background."""
        async_update_machine_device(self.hass, self.entry, self.server_info)
        self._apply_snapshot(snapshot)
        self.entry.async_on_unload(self.client.add_event_listener(self._handle_event))
        self._task = self.entry.async_create_background_task(
            self.hass, self._reconnect.run(), f"{DOMAIN} {self.server_id} listen"
        )
        self.entry.async_on_unload(
            async_track_time_interval(
                self.hass, self._async_check_stale, STALE_CHECK_INTERVAL
            )
        )
        self.entry.async_on_unload(
            self.hass.bus.async_listen_once(
                EVENT_HOMEASSISTANT_STOP, self._async_on_stop
            )
        )

    async def _async_on_stop(self, _event: HassEvent) -> None:
        """Close the connection when Home Assistant stops."""
        await self.async_stop()

    async def async_stop(self) -> None:
        """Stop the listen task and close the connection."""
        if self._task is not None:
            self._task.cancel()
            self._task = None
        await self.client.disconnect()

    @callback
    def async_reconnect_now(self) -> None:
        """Retry at once instead of waiting for the backoff (zeroconf re-announce)."""
        if not self.connected:
            self._reconnect.reconnect_now()

    # ---------------------------------------------------------------- connection

    @callback
    def _on_connect(self, info: ServerInfo, snapshot: Snapshot) -> None:
        """Resync everything after a reconnect."""
        _LOGGER.info("Connection to OpenCode Lookout agent %s restored", info.hostname)
        self.server_info = info
        self.connected = True
        self._reauth_started = False
        async_delete_schema_issue(self.hass, self.entry)
        async_update_machine_device(self.hass, self.entry, info)
        self._apply_snapshot(snapshot)
        self._notify()

    @callback
    def _on_disconnect(self) -> None:
        """Mark everything unavailable until the client reconnects."""
        _LOGGER.warning(
            "Lost connection to OpenCode Lookout agent %s, reconnecting",
            self.server_info.hostname,
        )
        self.connected = False
        self._notify()

    @callback
    def _on_connect_error(self, err: ClientError) -> None:
        """Start reauth or raise a repair issue; other errors just back off."""
        _LOGGER.debug("Reconnect to %s failed: %s", self.client.url, err)
        if isinstance(err, InvalidAuth) and not self._reauth_started:
            self._reauth_started = True
            self.entry.async_start_reauth(self.hass)
        elif isinstance(err, IncompatibleSchema):
            async_create_schema_issue(self.hass, self.entry, err)

    # ---------------------------------------------------------------- sessions

    def _is_stale(self, session: Session) -> bool:
        """Return True when a session has been inactive for stale_days."""
        last = session.last_activity or session.created
        return last is not None and dt_util.utcnow() - last > timedelta(
            days=self.stale_days
        )

    @callback
    def _apply_snapshot(self, snapshot: Snapshot) -> None:
        """Replace the cache with a snapshot and remove vanished devices."""
        roots = {s.id: s for s in snapshot.sessions if not s.is_child}
        for session_id in [sid for sid in self.sessions if sid not in roots]:
            self._remove_session(session_id)
        for session in roots.values():
            self._update_session(session)
        dev_reg = dr.async_get(self.hass)
        for device in dr.async_entries_for_config_entry(dev_reg, self.entry.entry_id):
            session_id = self.session_id_of_device(device)
            if session_id is not None and session_id not in self.sessions:
                dev_reg.async_remove_device(device.id)

    @callback
    def _update_session(self, session: Session) -> None:
        """Store a root session; add, update or drop its device."""
        if self._is_stale(session):
            if session.id in self.sessions:
                self._remove_session(session.id)
            return
        old = self.sessions.get(session.id)
        self.sessions[session.id] = session
        duration = self._track_run(session)
        if old is None:
            self._update_device(session)
            self._notify_new_session(session)
            self._notify(session.id)
            return
        if old.title != session.title:
            self._update_device(session)
        self._notify(session.id)
        if old.state == "working" and session.state == "idle":
            details = {"title": session.title, "duration": duration}
            self._fire(session.id, EVENT_COMPLETED, details)
        if session.state == "error" and old.state != "error" and session.error:
            error = session.error
            details = {"name": error.name, "message": error.message}
            self._fire(session.id, EVENT_ERROR, details | {"duration": duration})

    def _track_run(self, session: Session) -> int:
        """Note when a run starts; return its length in seconds once it ends."""
        now = dt_util.utcnow()
        if session.state in BUSY_STATES:
            self._busy_since.setdefault(session.id, now)
            return 0
        started = self._busy_since.pop(session.id, now)
        return int((now - started).total_seconds())

    @callback
    def _remove_session(self, session_id: str) -> None:
        """Forget a session and remove its device (and so its entities)."""
        self.sessions.pop(session_id, None)
        self._busy_since.pop(session_id, None)
        self._drop_listeners(session_id)
        async_remove_device(self.hass, self.entry, self.session_identifier(session_id))
        self._notify(session_id)

    @callback
    def _update_device(self, session: Session) -> None:
        """Create the device of a session or sync its name."""
        identifier = self.session_identifier(session.id)
        async_update_session_device(self.hass, self.entry, identifier, session)

    @callback
    def async_forget_session(self, session_id: str) -> None:
        """Forget a session whose device the user deletes."""
        self.sessions.pop(session_id, None)
        self._notify(session_id)

    async def _async_check_stale(self, _now: datetime) -> None:
        """Remove sessions that became stale."""
        for session in [s for s in self.sessions.values() if self._is_stale(s)]:
            self._remove_session(session.id)

    # ---------------------------------------------------------------- events

    @callback
    def _handle_event(self, event: Event) -> None:
        """Apply one live event of the agent."""
        root = event.root_session_id
        match event.name:
            case "session_updated" if event.session and not event.session.is_child:
                self._update_session(event.session)
            case "session_removed" if event.session_id in self.sessions:
                self._remove_session(event.session_id)
            case "permission_requested" if root in self.sessions:
                self._fire(root, EVENT_PERMISSION_REQUESTED, permission_details(event))
            case "permission_resolved" if root in self.sessions:
                details = {
                    "permission_id": event.data.get("permission_id"),
                    "reply": event.data.get("reply"),
                    "by": event.data.get("by"),
                    "permission_session_id": event.session_id,
                }
                self._fire(root, EVENT_PERMISSION_RESOLVED, details)
            case "question_asked" if root in self.sessions:
                self._fire(root, EVENT_QUESTION_ASKED, question_details(event))

    @callback
    def _fire(self, session_id: str, event_type: str, details: dict[str, Any]) -> None:
        """Trigger the session's event entity and fire the bus event."""
        self._notify_event(session_id, event_type, details)
        device = async_get_device(
            self.hass, self.entry, self.session_identifier(session_id)
        )
        self.hass.bus.async_fire(
            EVENT_LOOKOUT,
            {
                **details,
                "device_id": device.id if device else None,
                "session_id": session_id,
                "type": event_type,
            },
        )
