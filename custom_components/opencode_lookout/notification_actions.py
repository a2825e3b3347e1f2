"""Taps on the buttons of our notifications (mobile_app_notification_action).

Only action ids with our prefix naming this entry's agent are handled, and only for a
permission or question that is pending on one of its sessions (or that this entry sent).
A tap on a request answered meanwhile changes nothing and tells the user so.
"""

from __future__ import annotations

from collections.abc import Coroutine, Mapping
import logging
from typing import TYPE_CHECKING, Any

from homeassistant.core import Event, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import slugify

from .client import Session
from .commands import async_reply_permission, async_reply_question
from .notification_payloads import (
    ANSWER,
    PERMISSION_REPLIES,
    REPLY,
    clear_payload,
    notice_payload,
    parse_action,
)

if TYPE_CHECKING:
    from .notifications import PhoneNotifier

_LOGGER = logging.getLogger(__name__)


class NotificationActions:
    """Resolve taps of one entry's notifications through its agent."""

    def __init__(self, notifier: PhoneNotifier) -> None:
        """Act for the notifier of one entry."""
        self.notifier = notifier

    @callback
    def is_ours(self, data: Mapping[str, Any]) -> bool:
        """Return True for our action ids naming this entry's agent."""
        parsed = parse_action(data.get("action"))
        return parsed is not None and parsed[0] == self.notifier.manager.server_id

    async def async_handle(self, event: Event[Mapping[str, Any]]) -> None:
        """Answer the permission or question a notification button stands for."""
        if (parsed := parse_action(event.data.get("action"))) is None:
            return  # not reached: the event filter only lets our ids through
        _, verb, tag = parsed
        text = event.data.get("reply_text")
        text = text.strip() if isinstance(text, str) and text.strip() else None
        user_id = event.context.user_id
        manager, done = self.notifier.manager, self.notifier.state.done
        reply: Coroutine[Any, Any, None]
        if (answer := PERMISSION_REPLIES.get(verb)) is not None:
            if (session_id := self._owner(tag)) is None or tag in done:
                self._already_answered(tag, user_id)
                return
            reply = async_reply_permission(
                manager,
                session_id,
                answer,
                message=text if answer == "reject" else None,
                permission_id=tag,
            )
        elif verb == REPLY or verb.startswith(ANSWER):
            if (session := self._asker(tag)) is None or tag in done:
                self._already_answered(tag, user_id)
                return
            if (label := self._answer(session, verb, text)) is None:
                _LOGGER.debug("Ignoring action %s without an answer", verb)
                return
            reply = async_reply_question(manager, session.id, label)
        else:
            _LOGGER.debug("Ignoring unknown action %s", verb)
            return
        await self._async_run(tag, user_id, reply)

    def _owner(self, permission_id: str) -> str | None:
        """Return the root session of a pending permission of this agent."""
        for session in self.notifier.manager.sessions.values():
            pending = [*session.pending_permissions, session.permission]
            if any(p is not None and p.id == permission_id for p in pending):
                return session.id
        sent = self.notifier.state.sent.get(permission_id)
        return sent.session_id if sent else None

    def _asker(self, question_id: str) -> Session | None:
        """Return the root session whose pending question this is."""
        return next(
            (
                s
                for s in self.notifier.manager.sessions.values()
                if s.question and s.question.id == question_id
            ),
            None,
        )

    @staticmethod
    def _answer(session: Session, verb: str, text: str | None) -> str | None:
        """Return the answer an action stands for: an option or the typed text."""
        if verb == REPLY:
            return text
        index = verb.removeprefix(ANSWER)
        if (question := session.question) is None or not index.isdigit():
            return None
        options = question.questions[0].options if question.questions else []
        return options[int(index)] if int(index) < len(options) else None

    async def _async_run(
        self, tag: str, user_id: str | None, reply: Coroutine[Any, Any, None]
    ) -> None:
        """Send a reply, then clear the notification everywhere."""
        try:
            await reply
        except HomeAssistantError as err:
            if err.translation_key == "not_found":
                self._already_answered(tag, user_id)
                return
            title = self.notifier.entry.title
            _LOGGER.warning("Cannot answer %s on %s: %s", tag, title, err)
            if (request := self.notifier.wanted().get(tag)) is not None:
                # Put the buttons back so that the answer can be given again.
                note = self.notifier.texts("reply_failed", error=str(err))
                self.notifier.send_request(tag, request, note)
            return
        self.notifier.state.done.add(tag)
        self.notifier.clear(tag)

    def _already_answered(self, tag: str, user_id: str | None) -> None:
        """Clear a stale request; tell the phones of the user who tapped."""
        notifier = self.notifier
        _LOGGER.info("%s on %s was already answered", tag, notifier.entry.title)
        notifier.state.done.add(tag)
        phones = self._targets_of(user_id)
        if (sent := notifier.state.sent.pop(tag, None)) is not None:
            others = [t for t in sent.targets if t not in phones]
            notifier.send(others, clear_payload(tag))
        message = notifier.texts("already_answered")
        notifier.send(phones, notice_payload(notifier.entry.title, tag, message))

    def _targets_of(self, user_id: str | None) -> list[str]:
        """Return our targets that are mobile app devices of a user."""
        if user_id is None:
            return []
        phones = {
            "notify." + slugify(f"mobile_app_{entry.data.get('device_name', '')}")
            for entry in self.notifier.hass.config_entries.async_entries("mobile_app")
            if entry.data.get("user_id") == user_id
        }
        return [t for t in self.notifier.targets if t in phones]
