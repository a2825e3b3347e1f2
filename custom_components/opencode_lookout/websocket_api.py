"""The dashboard card's subscription: every machine and session, pushed over HA's websocket.

`{"type": "opencode_lookout/subscribe"}` answers with a result, then sends a
`snapshot` event (every machine with its sessions) and after that only changes:
`machine`, `machine_removed`, `session`, `session_removed` (docs/card.md). A session
is the agent's session object (schema 3) plus Home Assistant's `device_id` (the
target of the actions) and `state_since`. `can_steer` tells the card whether this
user may answer; the actions check it again, the card only hides buttons.

A user who may not steer a machine gets its sessions without their text (redacted):
no commands or patterns of pending permissions (their kind stays: bash, edit...), no
questions or options, no directory, and the current tool without its arguments. The
session titles are the devices' names, which every user sees anyway.

The card answers through commands of its own, not through the actions: Home Assistant
records every action call with its data (a `call_service` event), and a websocket
command is not recorded. `opencode_lookout/reply_permission`, `reply_question` and
`send_prompt` take the fields of the actions of the same name and run the same code
(commands.py: the steering check, the agent, the audit), as the connection's user.
"""

from datetime import datetime
from typing import Any

import probatio

from homeassistant.components import websocket_api
from homeassistant.config_entries import (
    SIGNAL_CONFIG_ENTRY_CHANGED,
    ConfigEntry,
    ConfigEntryChange,
    ConfigEntryState,
)
from homeassistant.const import ATTR_DEVICE_ID
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.util import dt as dt_util

from .client import Session
from .client.codec import encode
from .commands import async_reply_permission, async_reply_question, async_send_prompt
from .const import DOMAIN
from .models import OpenCodeLookoutConfigEntry
from .services import (
    ATTR_DIGEST,
    ATTR_MESSAGE,
    ATTR_PERMISSION_ID,
    ATTR_REPLY,
    ATTR_TEXT,
    DEVICE,
    PERMISSION_FIELDS,
    PROMPT_FIELDS,
    QUESTION_FIELDS,
    question_answer,
    resolve_session,
)
from .steering import async_may_steer

SUBSCRIBE = f"{DOMAIN}/subscribe"
REPLY_PERMISSION = f"{DOMAIN}/reply_permission"
REPLY_QUESTION = f"{DOMAIN}/reply_question"
SEND_PROMPT = f"{DOMAIN}/send_prompt"

type Json = dict[str, Any]


@callback
def async_register_commands(hass: HomeAssistant) -> None:
    """Register the card's websocket commands (once, from async_setup)."""
    for command in (
        ws_subscribe,
        ws_reply_permission,
        ws_reply_question,
        ws_send_prompt,
    ):
        websocket_api.async_register_command(hass, command)


@websocket_api.websocket_command({probatio.Required("type"): SUBSCRIBE})
@websocket_api.async_response
async def ws_subscribe(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: Json
) -> None:
    """Start pushing the sessions of every machine to this connection."""
    subscription = CardSubscription(hass, connection, msg["id"])
    connection.subscriptions[msg["id"]] = subscription.async_stop
    connection.send_result(msg["id"])
    await subscription.async_start()


@websocket_api.websocket_command(
    {probatio.Required("type"): REPLY_PERMISSION, **DEVICE, **PERMISSION_FIELDS}
)
@websocket_api.async_response
async def ws_reply_permission(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: Json
) -> None:
    """Answer a permission request, as the reply_permission action (unrecorded)."""
    entry, session_id = resolve_session(hass, msg[ATTR_DEVICE_ID])
    await async_reply_permission(
        entry,
        session_id,
        msg[ATTR_REPLY],
        context=connection.context(msg),
        message=msg.get(ATTR_MESSAGE),
        permission_id=msg.get(ATTR_PERMISSION_ID),
        digest=msg.get(ATTR_DIGEST),
    )
    connection.send_result(msg["id"])


@websocket_api.websocket_command(
    {probatio.Required("type"): REPLY_QUESTION, **DEVICE, **QUESTION_FIELDS}
)
@websocket_api.async_response
async def ws_reply_question(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: Json
) -> None:
    """Answer or dismiss a question, as the reply_question action (unrecorded)."""
    answer = question_answer(msg)
    entry, session_id = resolve_session(hass, msg[ATTR_DEVICE_ID])
    await async_reply_question(
        entry, session_id, answer, context=connection.context(msg)
    )
    connection.send_result(msg["id"])


@websocket_api.websocket_command(
    {probatio.Required("type"): SEND_PROMPT, **DEVICE, **PROMPT_FIELDS}
)
@websocket_api.async_response
async def ws_send_prompt(
    hass: HomeAssistant, connection: websocket_api.ActiveConnection, msg: Json
) -> None:
    """Queue a prompt in a session, as the send_prompt action (unrecorded)."""
    entry, session_id = resolve_session(hass, msg[ATTR_DEVICE_ID])
    await async_send_prompt(
        entry, session_id, msg[ATTR_TEXT], context=connection.context(msg)
    )
    connection.send_result(msg["id"])


def _redacted(session: Json) -> Json:
    """Return a session's JSON without command, question and directory text."""
    tool = session.get("current_tool")
    question = session.get("question")
    return {
        **session,
        "directory": None,
        "current_tool": tool.split(":", 1)[0] if isinstance(tool, str) else tool,
        "pending_permissions": [
            {**p, "title": "", "patterns": [], "always": []}
            for p in session.get("pending_permissions") or []
        ],
        "question": (
            {
                **question,
                "questions": [
                    {**q, "question": "", "header": "", "options": []}
                    for q in question.get("questions") or []
                ],
            }
            if isinstance(question, dict)
            else question
        ),
    }


def _since(session: Session) -> datetime | None:
    """Return when the agent says the current state began, as well as it can tell."""
    if session.state == "waiting_permission" and session.pending_permissions:
        return session.pending_permissions[0].created
    if session.state == "waiting_input" and session.question is not None:
        return session.question.created
    return session.last_activity


class CardSubscription:
    """What one websocket connection was sent, and the changes since."""

    def __init__(
        self,
        hass: HomeAssistant,
        connection: websocket_api.ActiveConnection,
        msg_id: int,
    ) -> None:
        """Remember where to send; call async_start next."""
        self.hass = hass
        self.connection = connection
        self.msg_id = msg_id
        self._unsubs: list[CALLBACK_TYPE] = []
        self._entry_unsubs: dict[str, CALLBACK_TYPE] = {}
        self._machines: dict[str, Json] = {}
        self._sessions: dict[str, dict[str, Json]] = {}
        # Per session: the state last sent and since when (a state change seen live
        # starts now; a state first seen starts when the agent says it began).
        self._states: dict[str, tuple[str, str]] = {}
        # Per (entry, session): the session object last encoded and its JSON. Sessions
        # are immutable and replaced when they change, so a flush encodes only the
        # ones that changed, not all of them (50 sessions cost ~15 ms per flush).
        self._encoded: dict[tuple[str, str], tuple[Session, Json]] = {}
        # Whether this connection's user may steer, per entry (options can change it).
        self._can_steer: dict[str, bool] = {}
        self._flush_pending = False
        self._stopped = False

    async def async_start(self) -> None:
        """Send the full state, then listen for changes."""
        self._unsubs.append(
            async_dispatcher_connect(
                self.hass, SIGNAL_CONFIG_ENTRY_CHANGED, self._entry_changed
            )
        )
        await self._async_update_steering()
        if self._stopped:
            return
        self._attach_entries()
        machines = self._collect()
        self.connection.send_event(
            self.msg_id,
            {
                "type": "snapshot",
                "machines": [
                    {**machine, "sessions": list(self._sessions[entry_id].values())}
                    for entry_id, machine in machines.items()
                ],
            },
        )

    @callback
    def async_stop(self) -> None:
        """Stop listening (the card unsubscribed or the connection closed)."""
        self._stopped = True
        for unsub in [*self._unsubs, *self._entry_unsubs.values()]:
            unsub()
        self._unsubs.clear()
        self._entry_unsubs.clear()

    # ------------------------------------------------------------ listening

    @callback
    def _entry_changed(self, change: ConfigEntryChange, entry: ConfigEntry) -> None:
        """Follow entries being added, loaded, unloaded, re-optioned or removed."""
        if entry.domain != DOMAIN:
            return
        self._attach_entries()
        self.hass.async_create_task(self._async_steering_changed())

    async def _async_steering_changed(self) -> None:
        """Re-check who may steer (the options may have changed), then send."""
        await self._async_update_steering()
        self._schedule_flush()

    async def _async_update_steering(self) -> None:
        """Ask the integration's rule whether this user may steer each entry."""
        user_id = self.connection.user.id
        self._can_steer = {
            entry.entry_id: await async_may_steer(self.hass, entry, user_id)
            for entry in self.hass.config_entries.async_entries(DOMAIN)
        }

    @callback
    def _attach_entries(self) -> None:
        """Listen to the manager of every loaded entry (and stop for unloaded ones)."""
        entries: list[OpenCodeLookoutConfigEntry] = (
            self.hass.config_entries.async_entries(DOMAIN)
        )
        loaded = {e.entry_id: e for e in entries if e.state is ConfigEntryState.LOADED}
        for entry_id in [eid for eid in self._entry_unsubs if eid not in loaded]:
            self._entry_unsubs.pop(entry_id)()
        for entry_id, entry in loaded.items():
            if entry_id not in self._entry_unsubs:
                dispatcher = entry.runtime_data.dispatcher
                self._entry_unsubs[entry_id] = dispatcher.async_add_listener(
                    self._schedule_flush
                )

    @callback
    def _schedule_flush(self) -> None:
        """Send changes once per loop iteration, however many arrived in it."""
        if not self._flush_pending and not self._stopped:
            self._flush_pending = True
            self.hass.loop.call_soon(self._flush)

    @callback
    def _flush(self) -> None:
        """Send what changed since the last message."""
        self._flush_pending = False
        if self._stopped:
            return
        old_machines = self._machines
        old_sessions = self._sessions
        machines = self._collect()
        for entry_id in old_machines.keys() - machines.keys():
            self._send({"type": "machine_removed", "entry_id": entry_id})
        for entry_id, machine in machines.items():
            if old_machines.get(entry_id) != machine:
                self._send({"type": "machine", "machine": machine})
            before = old_sessions.get(entry_id, {})
            after = self._sessions[entry_id]
            for session_id in before.keys() - after.keys():
                self._send(
                    {
                        "type": "session_removed",
                        "entry_id": entry_id,
                        "session_id": session_id,
                    }
                )
            for session_id, session in after.items():
                if before.get(session_id) != session:
                    self._send(
                        {"type": "session", "entry_id": entry_id, "session": session}
                    )

    @callback
    def _send(self, event: Json) -> None:
        self.connection.send_event(self.msg_id, event)

    # ------------------------------------------------------------ state

    @callback
    def _collect(self) -> dict[str, Json]:
        """Read every machine and session now; keep them as what was sent."""
        dev_reg = dr.async_get(self.hass)
        machines: dict[str, Json] = {}
        sessions: dict[str, dict[str, Json]] = {}
        encoded: dict[tuple[str, str], tuple[Session, Json]] = {}
        entries: list[OpenCodeLookoutConfigEntry] = (
            self.hass.config_entries.async_entries(DOMAIN)
        )
        for entry in entries:
            if entry.disabled_by is not None:
                continue
            server_id = entry.unique_id or ""
            device = dev_reg.async_get_device_by_identifier(
                (DOMAIN, server_id), entry.entry_id
            )
            loaded = entry.state is ConfigEntryState.LOADED
            runtime = entry.runtime_data if loaded else None
            can_steer = self._can_steer.get(entry.entry_id, False)
            machines[entry.entry_id] = {
                "entry_id": entry.entry_id,
                "device_id": device.id if device else None,
                "name": entry.title,
                "available": runtime is not None and runtime.manager.connected,
                "can_steer": can_steer,
            }
            sessions[entry.entry_id] = {}
            if runtime is None:
                continue
            for session in runtime.sessions.values():
                key = (entry.entry_id, session.id)
                cached = self._encoded.get(key)
                if cached is None or cached[0] is not session:
                    cached = (session, encode(session))
                encoded[key] = cached
                device = dev_reg.async_get_device_by_identifier(
                    (DOMAIN, f"{server_id}_{session.id}"), entry.entry_id
                )
                shown = cached[1] if can_steer else _redacted(cached[1])
                sessions[entry.entry_id][session.id] = {
                    **shown,
                    "device_id": device.id if device else None,
                    "state_since": self._state_since(session),
                }
        live = {sid for by_id in sessions.values() for sid in by_id}
        self._states = {k: v for k, v in self._states.items() if k in live}
        self._encoded = encoded
        self._machines = machines
        self._sessions = sessions
        return machines

    def _state_since(self, session: Session) -> str:
        """Return when the session entered its current state (ISO 8601)."""
        known = self._states.get(session.id)
        if known is not None and known[0] == session.state:
            return known[1]
        if known is None:
            since = _since(session) or dt_util.utcnow()
        else:
            since = dt_util.utcnow()
        text = encode(since)
        self._states[session.id] = (session.state, text)
        return str(text)
