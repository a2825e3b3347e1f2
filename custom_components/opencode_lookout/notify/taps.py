"""Taps on the buttons of our notifications (mobile_app_notification_action).

A tap counts only when its action id carries a nonce this entry issued and not yet
redeemed (state.py), the tapping user (the event's context, which the Companion app
sets to the phone's registered user) owns one of the phones that notification was
sent to, and that user may steer (steering.py). Everything else is refused and logged. A tap on a request answered
meanwhile changes nothing and tells the user so.
"""

from collections.abc import Awaitable, Mapping
import logging
from typing import Any

from homeassistant.core import Context, Event, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError

from ..client import Session
from ..commands import async_reply_permission, async_reply_question
from ..const import ACTION_PREFIX, DOMAIN
from ..errors import RequestNotPending
from ..models import OpenCodeLookoutConfigEntry
from ..steering import async_may_steer
from .payloads import (
    ANSWER,
    PERMISSION_REPLIES,
    REPLY,
    clear_payload,
    notice_payload,
    parse_action,
)
from .phones import phones_of_user
from .sender import PhoneNotifier
from .state import Grant

_LOGGER = logging.getLogger(__name__)

EVENT_NOTIFICATION_ACTION = "mobile_app_notification_action"


class TapHandler:
    """Resolve the taps of one entry's notifications through its agent."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: OpenCodeLookoutConfigEntry,
        notifier: PhoneNotifier,
    ) -> None:
        """Act for the notifier of one entry."""
        self.hass = hass
        self.entry = entry
        self.notifier = notifier
        self.state = notifier.state

    @callback
    def async_start(self) -> None:
        """Listen to the taps on our notifications."""
        self.entry.async_on_unload(
            self.hass.bus.async_listen(
                EVENT_NOTIFICATION_ACTION, self.async_handle, self.is_ours
            )
        )

    @callback
    def is_ours(self, data: Mapping[str, Any]) -> bool:
        """Return True for the taps this entry handles, decided when the tap is fired.

        Filters run for every entry before any handler does: a nonce goes to the entry
        that issued it alone, so no other entry sees it spent and cries "unknown". A tap
        that no entry issued (malformed, replayed, forged) goes to the first loaded
        entry only, so it is refused and logged once however many machines there are.
        """
        action = data.get("action")
        if not isinstance(action, str) or not action.startswith(f"{ACTION_PREFIX}_"):
            return False
        parsed = parse_action(action)
        if parsed is not None and parsed[1] in self.state.grants:
            return True
        entries: list[OpenCodeLookoutConfigEntry] = (
            self.hass.config_entries.async_loaded_entries(DOMAIN)
        )
        if parsed is not None and any(
            parsed[1] in entry.runtime_data.notify.grants for entry in entries
        ):
            return False
        return bool(entries) and entries[0].entry_id == self.entry.entry_id

    def _refuse(self, verb: str, why: str, user_id: str | None) -> None:
        """Log a refused tap (never its nonce: it may still be valid for its owner)."""
        _LOGGER.warning(
            "Refused notification action %s on %s (user %s): %s",
            verb,
            self.entry.title,
            user_id,
            why,
        )

    async def async_handle(self, event: Event[Mapping[str, Any]]) -> None:
        """Answer the permission or question a notification button stands for."""
        action = str(event.data.get("action"))
        user_id = event.context.user_id
        if (parsed := parse_action(action)) is None:
            self._refuse("?", "malformed action id", user_id)
            return
        verb, nonce = parsed
        grant = self.state.grants.get(nonce)
        if grant is None:
            self._refuse(verb, "unknown or already used nonce", user_id)
            return
        if user_id is None:
            self._refuse(verb, "no user", user_id)
            return
        if not phones_of_user(self.hass, user_id) & set(grant.targets):
            self._refuse(verb, "the user owns none of its phones", user_id)
            return
        # Owning the phone is not enough: every steering action needs a person who may
        # steer (an admin or one on the entry's allow-list), as for actions and buttons.
        if not await async_may_steer(self.hass, self.entry, user_id):
            self._refuse(verb, "the user may not steer", user_id)
            self._tell_may_not_steer(grant, user_id)
            return
        text = event.data.get("reply_text")
        text = text.strip() if isinstance(text, str) and text.strip() else None
        await self._async_answer(nonce, grant, verb, text, event.context)

    async def _async_answer(
        self, nonce: str, grant: Grant, verb: str, text: str | None, context: Context
    ) -> None:
        """Send what the button stands for (using the nonce up), unless it is gone.

        A tap that answers nothing (an empty text, no such option) keeps the nonce.
        """
        tag, sessions = grant.tag, self.entry.runtime_data.sessions
        reply: Awaitable[None]
        if (answer := PERMISSION_REPLIES.get(verb)) is not None:
            found = sessions.find_permission(tag)
            self.state.redeem(nonce)
            if found is None or tag in self.state.done:
                self._already_answered(tag, context.user_id)
                return
            reply = async_reply_permission(
                self.entry,
                found[0].id,
                answer,
                context=context,
                authorized=True,
                message=text if answer == "reject" else None,
                permission_id=tag,
            )
        elif verb == REPLY or verb.startswith(ANSWER):
            session = sessions.find_question(tag)
            if session is None or tag in self.state.done:
                self.state.redeem(nonce)
                self._already_answered(tag, context.user_id)
                return
            if (label := self._answer(session, verb, text)) is None:
                _LOGGER.debug("Ignoring action %s without an answer", verb)
                return
            self.state.redeem(nonce)
            reply = async_reply_question(
                self.entry, session.id, label, context=context, authorized=True
            )
        else:
            _LOGGER.debug("Ignoring unknown action %s", verb)
            return
        await self._async_run(tag, context.user_id, reply)

    @staticmethod
    def _answer(session: Session, verb: str, text: str | None) -> str | None:
        """Return the answer an action stands for: an option or the typed text."""
        if verb == REPLY:
            return text
        index = verb.removeprefix(ANSWER)
        if (question := session.question) is None or not index.isdigit():
            return None
        labels = question.questions[0].labels if question.questions else []
        return labels[int(index)] if int(index) < len(labels) else None

    async def _async_run(
        self, tag: str, user_id: str | None, reply: Awaitable[None]
    ) -> None:
        """Send a reply, then clear the notification everywhere."""
        try:
            await reply
        except RequestNotPending:
            self._already_answered(tag, user_id)
            return
        except HomeAssistantError as err:
            _LOGGER.warning("Cannot answer %s on %s: %s", tag, self.entry.title, err)
            # Put the buttons back (with a new nonce) so the answer can be given again.
            note = self.notifier.texts("reply_failed", error=str(err))
            self.notifier.send_request(tag, note)
            return
        self.state.done.add(tag)
        self.notifier.clear(tag)

    def _tell_may_not_steer(self, grant: Grant, user_id: str) -> None:
        """Tell the phones of a user who may not steer why the tap did nothing.

        The notice replaces the request's notification on those phones: its buttons
        cannot work for them.
        """
        phones = [t for t in grant.targets if t in phones_of_user(self.hass, user_id)]
        message = self.notifier.texts("may_not_steer", machine=self.entry.title)
        self.notifier.send(phones, notice_payload(self.entry.title, grant.tag, message))

    def _already_answered(self, tag: str, user_id: str | None) -> None:
        """Clear a stale request; tell the phones of the user who tapped."""
        _LOGGER.info("%s on %s was already answered", tag, self.entry.title)
        self.state.done.add(tag)
        phones = [
            t for t in self.notifier.phones if t in phones_of_user(self.hass, user_id)
        ]
        if (sent := self.state.sent.pop(tag, None)) is not None:
            others = [t for t in sent.targets if t not in phones]
            self.notifier.send(others, clear_payload(tag))
        message = self.notifier.texts("already_answered")
        self.notifier.send(phones, notice_payload(self.entry.title, tag, message))
