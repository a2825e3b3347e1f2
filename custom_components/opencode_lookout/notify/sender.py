"""Send, update and clear the notifications of one entry.

Requests are sent from the session cache (the agent reports session_updated before
permission_requested), so what the phones show always follows what is pending: a
request answered anywhere, expired or gone is cleared on every phone. Only Companion
app targets (phones.is_companion) get tags, buttons and clearing; any other notify
action gets the plain text of each request once and nothing after.
"""

from datetime import datetime
from functools import partial
import logging
from typing import Any

import probatio

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.event import async_call_later

from ..client import Permission, Question, Session
from ..const import (
    CONF_NOTIFY_DELAY,
    CONF_NOTIFY_ERRORS,
    CONF_NOTIFY_FINISHED,
    CONF_NOTIFY_MIN_DURATION,
    CONF_NOTIFY_PERMISSIONS,
    CONF_NOTIFY_QUESTIONS,
    CONF_NOTIFY_TARGETS,
    EVENT_COMPLETED,
    EVENT_ERROR,
    EVENT_PERMISSION_RESOLVED,
    NOTIFY_DEFAULTS,
)
from ..devices import async_get_session_device
from ..models import OpenCodeLookoutConfigEntry
from .call import async_notify_unrecorded
from .payloads import (
    Origin,
    clear_payload,
    permission_payload,
    plain_payload,
    question_payload,
    status_payload,
)
from .phones import is_companion
from .state import Sent
from .texts import Texts

_LOGGER = logging.getLogger(__name__)

STATUS_OPTIONS = {
    EVENT_COMPLETED: CONF_NOTIFY_FINISHED,
    EVENT_ERROR: CONF_NOTIFY_ERRORS,
}


class PhoneNotifier:
    """The notifications of one entry, kept in step with what is pending."""

    def __init__(
        self, hass: HomeAssistant, entry: OpenCodeLookoutConfigEntry, texts: Texts
    ) -> None:
        """Read the options; call async_start next."""
        self.hass = hass
        self.entry = entry
        self.data = entry.runtime_data
        self.state = entry.runtime_data.notify
        self.texts = texts
        self.options: dict[str, Any] = {**NOTIFY_DEFAULTS, **entry.options}
        self.targets: list[str] = list(self.options.get(CONF_NOTIFY_TARGETS) or [])
        self.phones = [t for t in self.targets if is_companion(t)]
        self.plain = [t for t in self.targets if not is_companion(t)]
        self._timers: dict[str, CALLBACK_TYPE] = {}

    @callback
    def async_start(self) -> None:
        """Catch up with pending requests, then follow changes."""
        dispatcher = self.data.dispatcher
        self.entry.async_on_unload(dispatcher.async_add_listener(self._reconcile))
        self.entry.async_on_unload(
            dispatcher.async_add_activity_listener(self._on_activity)
        )
        self.entry.async_on_unload(self._cancel_timers)
        self._reconcile()

    @callback
    def _cancel_timers(self) -> None:
        """Cancel the delayed sends."""
        for cancel in self._timers.values():
            cancel()
        self._timers.clear()

    # ---------------------------------------------------------------- requests

    def wanted(self) -> dict[str, tuple[Session, Permission | Question]]:
        """Return the requests that should be on the phones, by tag (their id)."""
        wanted: dict[str, tuple[Session, Permission | Question]] = {}
        if not self.targets:
            return wanted
        for session in self.data.sessions.values():
            if not session.available:
                continue
            if self.options[CONF_NOTIFY_PERMISSIONS]:
                wanted |= {p.id: (session, p) for p in session.pending_permissions}
            if self.options[CONF_NOTIFY_QUESTIONS] and session.question:
                wanted[session.question.id] = (session, session.question)
        return wanted

    @callback
    def _reconcile(self) -> None:
        """Send new requests and clear the ones no longer pending."""
        if not self.data.manager.connected:
            return
        wanted = self.wanted()
        state = self.state
        state.done.intersection_update(wanted)
        for tag in [t for t in state.sent if t not in wanted]:
            self.clear(tag)
        for tag in [t for t in self._timers if t not in wanted]:
            self._timers.pop(tag)()
        delay = self.options[CONF_NOTIFY_DELAY]
        for tag in wanted:
            if tag in state.sent or tag in state.done or tag in self._timers:
                continue
            if delay:
                # Answered at the desk within the delay: the phone stays quiet.
                self._timers[tag] = async_call_later(
                    self.hass, delay, partial(self._on_timer, tag)
                )
            else:
                self.send_request(tag)

    @callback
    def _on_timer(self, tag: str, _now: datetime) -> None:
        """Send a delayed request if it is still pending."""
        self._timers.pop(tag, None)
        if tag not in self.state.sent and tag not in self.state.done:
            self.send_request(tag)

    def origin(self, session_id: str) -> Origin:
        """Return machine and session naming a notification."""
        session = self.data.sessions.get(session_id)
        server_id = self.data.manager.server_id
        device = async_get_session_device(self.hass, self.entry, server_id, session_id)
        return Origin(
            server_id=server_id,
            machine=self.entry.title,
            session_id=session_id,
            session_title=(session.title if session else None) or session_id,
            device_id=device.id if device else None,
        )

    def send_request(self, tag: str, note: str | None = None) -> None:
        """Send the notification of a pending request to every target.

        Each phone gets its own nonce: a tap counts once, and only from the phone
        (and so the user) that notification went to.
        """
        if (request := self.wanted().get(tag)) is None:
            return
        session, item = request
        origin = self.origin(session.id)
        payload: dict[str, Any] = {}
        for target in self.phones:
            nonce = self.state.grant(tag, session.id, [target])
            payload = self._request_payload(origin, item, nonce, note)
            self.send([target], payload)
        if self.plain and self.state.tell_once(tag):
            # The plain text only: these targets can neither answer nor clear it.
            payload = self._request_payload(origin, item, "", None)
            self.send(self.plain, plain_payload(payload))
        self.state.sent[tag] = Sent(session_id=session.id, targets=list(self.phones))

    def _request_payload(
        self, origin: Origin, item: Permission | Question, nonce: str, note: str | None
    ) -> dict[str, Any]:
        """Return the notification of a permission or question."""
        if isinstance(item, Permission):
            return permission_payload(self.texts, origin, item, nonce, note)
        return question_payload(self.texts, origin, item, nonce, note)

    def clear(self, tag: str) -> None:
        """Remove the notification of a request from the phones it was sent to."""
        if (sent := self.state.sent.pop(tag, None)) is not None and sent.targets:
            self.send(sent.targets, clear_payload(tag))

    def send(self, targets: list[str], payload: dict[str, Any]) -> None:
        """Call the notify services without waiting for them."""
        for target in targets:
            self.entry.async_create_task(self.hass, self._async_notify(target, payload))

    async def _async_notify(self, target: str, payload: dict[str, Any]) -> None:
        """Call one notify service; a missing or failing one is logged."""
        try:
            await async_notify_unrecorded(self.hass, target, payload)
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
        if (
            (option := STATUS_OPTIONS.get(event_type))
            and self.targets
            and self.options[option]
            and int(details.get("duration") or 0)
            >= self.options[CONF_NOTIFY_MIN_DURATION]
        ):
            origin = self.origin(session_id)
            payload = status_payload(self.texts, origin, event_type, details)
            self.send(self.phones, payload)
            self.send(self.plain, plain_payload(payload))
