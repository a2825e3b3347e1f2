"""The agent connection of one entry: keep it open and translate what the agent says.

Reconnects with backoff (entities go unavailable meanwhile, no reload), resyncs from
the snapshot after every reconnect, and turns each live event into a tracker call or
an activity event. Session state lives in the tracker; commands in commands.py.
"""

import asyncio
import logging

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback

from .activity import Activity, permission_attributes, question_attributes
from .client import (
    ClientError,
    Event,
    FingerprintMismatch,
    IncompatibleSchema,
    InstanceConnected,
    InstanceDisconnected,
    InvalidAuth,
    LookoutClient,
    PermissionRequested,
    PermissionResolved,
    QuestionAsked,
    ReconnectLogic,
    RunFinished,
    ServerInfo,
    SessionRemoved,
    SessionUpdated,
    Snapshot,
    UsageUpdated,
)
from .const import (
    DOMAIN,
    EVENT_PERMISSION_REQUESTED,
    EVENT_PERMISSION_RESOLVED,
    EVENT_QUESTION_ASKED,
)
from .devices import async_update_machine_device
from .dispatcher import Dispatcher
from .repairs import async_create_schema_issue, async_delete_schema_issue
from .runs import run_event
from .tracker import SessionTracker

_LOGGER = logging.getLogger(__name__)


class LookoutManager:
    """Connection of one agent (one config entry) and translation of its events."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        *,
        client: LookoutClient,
        server_info: ServerInfo,
        tracker: SessionTracker,
        dispatcher: Dispatcher,
        activity: Activity,
    ) -> None:
        """Store the connected client; call async_start next."""
        self.hass = hass
        self.entry = entry
        self.client = client
        self.server_info = server_info
        self.server_id = tracker.server_id
        self.tracker = tracker
        self.dispatcher = dispatcher
        self.activity = activity
        self.connected = True
        self._reauth_started = False
        self._task: asyncio.Task[None] | None = None
        self._reconnect = ReconnectLogic(
            client,
            on_connect=self._on_connect,
            on_disconnect=self._on_disconnect,
            on_connect_error=self._on_connect_error,
        )

    @callback
    def async_start(self, snapshot: Snapshot) -> None:
        """Apply the first snapshot and start listening in the background."""
        async_update_machine_device(
            self.hass, self.entry, self.server_id, self.server_info
        )
        self.tracker.async_apply_snapshot(snapshot)
        self.entry.async_on_unload(self.client.add_event_listener(self._handle_event))
        self._task = self.entry.async_create_background_task(
            self.hass, self._reconnect.run(), f"{DOMAIN} {self.server_id} listen"
        )

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
        self.activity.machine = info.hostname
        self.connected = True
        self._reauth_started = False
        async_delete_schema_issue(self.hass, self.entry)
        async_update_machine_device(self.hass, self.entry, self.server_id, info)
        self.tracker.async_apply_snapshot(snapshot)
        self.dispatcher.async_notify()

    @callback
    def _on_disconnect(self) -> None:
        """Mark everything unavailable until the client reconnects."""
        # Info, not warning: a laptop going to sleep is normal (quality scale rule
        # log-when-unavailable); entities show it as unavailable.
        _LOGGER.info(
            "Lost connection to OpenCode Lookout agent %s, reconnecting",
            self.server_info.hostname,
        )
        self.connected = False
        self.dispatcher.async_notify()

    @callback
    def _on_connect_error(self, err: ClientError) -> None:
        """Start reauth or raise a repair issue; other errors just back off."""
        _LOGGER.debug("Reconnect to %s failed: %s", self.client.url, err)
        # A refused token or another certificate (rotated, or not the agent): re-pair.
        # rate_limited only backs off.
        if (
            isinstance(err, InvalidAuth | FingerprintMismatch)
            and not self._reauth_started
        ):
            self._reauth_started = True
            self.entry.async_start_reauth(self.hass)
        elif isinstance(err, IncompatibleSchema):
            async_create_schema_issue(self.hass, self.entry, err)

    # ---------------------------------------------------------------- events

    @callback
    def _handle_event(self, event: Event) -> None:
        """Apply one live event of the agent."""
        sessions = self.tracker.sessions
        match event:
            case SessionUpdated(session=session) if not session.is_child:
                self.tracker.async_update(session)
            case SessionRemoved(session_id=session_id) if session_id in sessions:
                self.tracker.async_remove(session_id)
            case PermissionRequested(root_session_id=root) if root in sessions:
                # The session_updated carrying it came first: read it from the cache.
                permission = sessions[root].find_permission(event.permission_id)
                details = (
                    permission_attributes(permission)
                    if permission
                    else {
                        "permission_id": event.permission_id,
                        "permission_session_id": event.session_id,
                    }
                )
                self.activity.async_fire(root, EVENT_PERMISSION_REQUESTED, details)
            case PermissionResolved(root_session_id=root) if root in sessions:
                details = {
                    "permission_id": event.permission_id,
                    "reply": event.reply,
                    "by": event.by,
                    "permission_session_id": event.session_id,
                }
                self.activity.async_fire(root, EVENT_PERMISSION_RESOLVED, details)
            case QuestionAsked(root_session_id=root) if root in sessions:
                question = sessions[root].question
                details = (
                    question_attributes(question)
                    if question and question.id == event.question_id
                    else {
                        "question_id": event.question_id,
                        "question_session_id": event.session_id,
                    }
                )
                self.activity.async_fire(root, EVENT_QUESTION_ASKED, details)
            case RunFinished(session_id=session_id) if session_id in sessions:
                # Root sessions only: the cache holds no sub-agent sessions.
                event_type, details = run_event(event, sessions[session_id])
                self.activity.async_fire(session_id, event_type, details)
            case UsageUpdated(usage=usage):
                self.tracker.async_update_usage(usage)
            case InstanceConnected(instance=instance):
                self.tracker.async_instance_connected(instance)
            case InstanceDisconnected(instance_id=instance_id):
                self.tracker.async_instance_disconnected(instance_id)
