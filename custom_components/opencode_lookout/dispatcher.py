"""Listener registry: how the manager and tracker push updates to entities and the notifier."""

from collections.abc import Callable
from typing import Any

from homeassistant.core import CALLBACK_TYPE, callback

from .client import Session

type Listener = Callable[[], None]
type EventListener = Callable[[str, dict[str, Any]], None]
type ActivityListener = Callable[[str, str, dict[str, Any]], None]
type NewSessionListener = Callable[[Session], None]


class Dispatcher:
    """Keep the callbacks of entities, platforms and the notifier; no polling anywhere."""

    def __init__(self) -> None:
        """Start with no listeners."""
        self._listeners: set[Listener] = set()
        self._session_listeners: dict[str, set[Listener]] = {}
        self._event_listeners: dict[str, set[EventListener]] = {}
        self._new_session_listeners: set[NewSessionListener] = set()
        self._activity_listeners: set[ActivityListener] = set()
        self._instance_listeners: set[Listener] = set()

    @callback
    def async_add_listener(self, listener: Listener) -> CALLBACK_TYPE:
        """Call listener on every change (connection, any session)."""
        self._listeners.add(listener)
        return lambda: self._listeners.discard(listener)

    @callback
    def async_add_session_listener(
        self, session_id: str, listener: Listener
    ) -> CALLBACK_TYPE:
        """Call listener when a session or the connection changes."""
        self._session_listeners.setdefault(session_id, set()).add(listener)
        return lambda: self._session_listeners.get(session_id, set()).discard(listener)

    @callback
    def async_add_event_listener(
        self, session_id: str, listener: EventListener
    ) -> CALLBACK_TYPE:
        """Call listener(event_type, details) for events of a session."""
        self._event_listeners.setdefault(session_id, set()).add(listener)
        return lambda: self._event_listeners.get(session_id, set()).discard(listener)

    @callback
    def async_add_activity_listener(self, listener: ActivityListener) -> CALLBACK_TYPE:
        """Call listener(session_id, event_type, details) for events of any session."""
        self._activity_listeners.add(listener)
        return lambda: self._activity_listeners.discard(listener)

    @callback
    def async_add_instance_listener(self, listener: Listener) -> CALLBACK_TYPE:
        """Call listener when the followed OpenCode instances or the connection change."""
        self._instance_listeners.add(listener)
        return lambda: self._instance_listeners.discard(listener)

    @callback
    def async_add_new_session_listener(
        self, listener: NewSessionListener
    ) -> CALLBACK_TYPE:
        """Call listener when a new root session appears."""
        self._new_session_listeners.add(listener)
        return lambda: self._new_session_listeners.discard(listener)

    @callback
    def async_notify(self, session_id: str | None = None) -> None:
        """Run the listeners of one session (all when None) and the global ones.

        None (the connection changed) runs the instance listeners too.
        """
        if session_id is None:
            targets = [ls for s in self._session_listeners.values() for ls in s]
            targets += self._instance_listeners
        else:
            targets = list(self._session_listeners.get(session_id, ()))
        for listener in [*targets, *self._listeners]:
            listener()

    @callback
    def async_notify_machine(self) -> None:
        """Run the global listeners only (a change of the machine, not of a session)."""
        for listener in list(self._listeners):
            listener()

    @callback
    def async_notify_instances(self) -> None:
        """Run the instance listeners only (an OpenCode connected, left or changed)."""
        for listener in list(self._instance_listeners):
            listener()

    @callback
    def async_notify_event(
        self, session_id: str, event_type: str, details: dict[str, Any]
    ) -> None:
        """Run the event listeners of a session, then the activity listeners."""
        for listener in list(self._event_listeners.get(session_id, ())):
            listener(event_type, details)
        for activity_listener in list(self._activity_listeners):
            activity_listener(session_id, event_type, details)

    @callback
    def async_notify_new_session(self, session: Session) -> None:
        """Run the listeners waiting for new sessions (the platforms)."""
        for listener in list(self._new_session_listeners):
            listener(session)

    @callback
    def async_drop_session(self, session_id: str) -> None:
        """Forget the listeners of a removed session."""
        self._session_listeners.pop(session_id, None)
        self._event_listeners.pop(session_id, None)
