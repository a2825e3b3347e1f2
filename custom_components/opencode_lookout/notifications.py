"""Built-in phone notifications: permission requests, questions, finished runs, errors.

Requests are sent from the session state (the agent reports session_updated before
permission_requested), so what the phones show always follows what is pending: a request
answered anywhere, expired or gone is cleared on every target. Taps arrive as
mobile_app_notification_action and are answered through the agent; nothing is ever
answered without a tap.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
import logging
from typing import Any

import probatio

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_call_later
from homeassistant.util.hass_dict import HassKey

from .client import Permission, Question, Session
from .const import (
    CONF_NOTIFY_DELAY,
    CONF_NOTIFY_ERRORS,
    CONF_NOTIFY_FINISHED,
    CONF_NOTIFY_MIN_DURATION,
    CONF_NOTIFY_PERMISSIONS,
    CONF_NOTIFY_QUESTIONS,
    CONF_NOTIFY_TARGETS,
    DOMAIN,
    EVENT_COMPLETED,
    EVENT_ERROR,
    EVENT_PERMISSION_RESOLVED,
    NOTIFY_DEFAULTS,
)
from .devices import async_get_device
from .manager import LookoutManager
from .models import OpenCodeLookoutConfigEntry
from .notification_actions import NotificationActions
from .notification_payloads import (
    Origin,
    Texts,
    async_load_texts,
    clear_payload,
    permission_payload,
    question_payload,
    status_payload,
)

_LOGGER = logging.getLogger(__name__)

EVENT_NOTIFICATION_ACTION = "mobile_app_notification_action"


@dataclass
class Sent:
    """A request notification on the phones: its root session and targets."""

    session_id: str
    targets: list[str]


@dataclass
class NotifierState:
    """What was sent and answered; kept across reloads (an options change)."""

    sent: dict[str, Sent] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)


DATA_STATE: HassKey[dict[str, NotifierState]] = HassKey(f"{DOMAIN}_notifications")


@dataclass(frozen=True)
class Request:
    """A pending permission or question of a root session."""

    session: Session
    item: Permission | Question


class PhoneNotifier:
    """Send, update and clear the notifications of one entry; handle the taps."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: OpenCodeLookoutConfigEntry,
        manager: LookoutManager,
    ) -> None:
        """Read the options; call async_start next."""
        self.hass = hass
        self.entry = entry
        self.manager = manager
        self.options: dict[str, Any] = {**NOTIFY_DEFAULTS, **entry.options}
        self.targets: list[str] = list(self.options.get(CONF_NOTIFY_TARGETS) or [])
        states = hass.data.setdefault(DATA_STATE, {})
        self.state = states.setdefault(entry.entry_id, NotifierState())
        self._timers: dict[str, CALLBACK_TYPE] = {}
        self.texts = Texts({})

    async def async_start(self) -> None:
        """Load the texts, catch up with pending requests, then follow changes."""
        self.texts = await async_load_texts(self.hass)
        on_unload = self.entry.async_on_unload
        on_unload(self.manager.async_add_listener(self._reconcile))
        on_unload(self.manager.async_add_activity_listener(self._on_activity))
        actions = NotificationActions(self)
        on_unload(
            self.hass.bus.async_listen(
                EVENT_NOTIFICATION_ACTION, actions.async_handle, actions.is_ours
            )
        )
        on_unload(self._cancel_timers)
        self._retarget()
        self._reconcile()

    @callback
    def _retarget(self) -> None:
        """Move requests sent before a change of targets to the new targets."""
        wanted = self.wanted()
        for tag, sent in list(self.state.sent.items()):
            if tag not in wanted or sent.targets == self.targets:
                continue  # unchanged, or cleared by _reconcile
            gone = [t for t in sent.targets if t not in self.targets]
            self.send(gone, clear_payload(tag))
            new = [t for t in self.targets if t not in sent.targets]
            self.send_request(tag, wanted[tag], targets=new)

    @callback
    def _cancel_timers(self) -> None:
        """Cancel the delayed sends."""
        for cancel in self._timers.values():
            cancel()
        self._timers.clear()

    # ---------------------------------------------------------------- requests

    def wanted(self) -> dict[str, Request]:
        """Return the requests that should be on the phones, by tag (their id)."""
        wanted: dict[str, Request] = {}
        if not self.targets:
            return wanted
        for session in self.manager.sessions.values():
            if not session.available:
                continue
            if self.options[CONF_NOTIFY_PERMISSIONS]:
                pending = session.pending_permissions or [
                    p for p in (session.permission,) if p is not None
                ]
                wanted |= {p.id: Request(session, p) for p in pending}
            if self.options[CONF_NOTIFY_QUESTIONS] and session.question:
                wanted[session.question.id] = Request(session, session.question)
        return wanted

    @callback
    def _reconcile(self) -> None:
        """Send new requests and clear the ones no longer pending."""
        if not self.manager.connected:
            return
        wanted = self.wanted()
        state = self.state
        state.done.intersection_update(wanted)
        for tag in [t for t in state.sent if t not in wanted]:
            self.clear(tag)
        for tag in [t for t in self._timers if t not in wanted]:
            self._timers.pop(tag)()
        delay = self.options[CONF_NOTIFY_DELAY]
        for tag, request in wanted.items():
            if tag in state.sent or tag in state.done or tag in self._timers:
                continue
            if delay:
                # Answered at the desk within the delay: the phone stays quiet.
                self._timers[tag] = async_call_later(
                    self.hass, delay, partial(self._on_timer, tag)
                )
            else:
                self.send_request(tag, request)

    @callback
    def _on_timer(self, tag: str, _now: datetime) -> None:
        """Send a delayed request if it is still pending."""
        self._timers.pop(tag, None)
        request = self.wanted().get(tag)
        if request and tag not in self.state.sent and tag not in self.state.done:
            self.send_request(tag, request)

    def _origin(self, session_id: str) -> Origin:
        """Return machine and session naming a notification."""
        session = self.manager.sessions.get(session_id)
        identifier = self.manager.session_identifier(session_id)
        device = async_get_device(self.hass, self.entry, identifier)
        return Origin(
            server_id=self.manager.server_id,
            machine=self.entry.title,
            session_id=session_id,
            session_title=(session.title if session else None) or session_id,
            device_id=device.id if device else None,
        )

    def send_request(
        self,
        tag: str,
        request: Request,
        note: str | None = None,
        targets: list[str] | None = None,
    ) -> None:
        """Send the notification of a request to every (or the given) target."""
        origin = self._origin(request.session.id)
        if isinstance(request.item, Permission):
            payload = permission_payload(self.texts, origin, request.item, note)
        else:
            payload = question_payload(self.texts, origin, request.item, note)
        self.state.sent[tag] = Sent(request.session.id, list(self.targets))
        self.send(self.targets if targets is None else targets, payload)

    def clear(self, tag: str) -> None:
        """Remove the notification of a request from the phones it was sent to."""
        if (sent := self.state.sent.pop(tag, None)) is not None:
            self.send(sent.targets, clear_payload(tag))

    def send(self, targets: list[str], payload: dict[str, Any]) -> None:
        """Call the notify services without waiting for them."""
        for target in targets:
            self.entry.async_create_task(self.hass, self._async_notify(target, payload))

    async def _async_notify(self, target: str, payload: dict[str, Any]) -> None:
        """Call one notify service; a missing or failing one is logged."""
        try:
            await self.hass.services.async_call(
                "notify", target.removeprefix("notify."), payload, blocking=True
            )
        except (HomeAssistantError, probatio.Invalid) as err:
            _LOGGER.warning("Cannot send a notification with %s: %s", target, err)

    # ---------------------------------------------------------------- events

    @callback
    def _on_activity(
        self, session_id: str, event_type: str, details: dict[str, Any]
    ) -> None:
        """Clear resolved permissions; announce finished and failed runs."""
        if event_type == EVENT_PERMISSION_RESOLVED:
            if tag := details.get("permission_id"):
                self.state.done.add(tag)
                if cancel := self._timers.pop(tag, None):
                    cancel()
                self.clear(tag)
            return
        option = {
            EVENT_COMPLETED: CONF_NOTIFY_FINISHED,
            EVENT_ERROR: CONF_NOTIFY_ERRORS,
        }
        if (
            event_type in option
            and self.targets
            and self.options[option[event_type]]
            and int(details.get("duration") or 0)
            >= self.options[CONF_NOTIFY_MIN_DURATION]
        ):
            origin = self._origin(session_id)
            payload = status_payload(self.texts, origin, event_type, details)
            self.send(self.targets, payload)
