"""The session cache: the latest state of every tracked root session.

It is the one place Home Assistant reads permission and question details from: the
agent sends the session (with its pending permissions and question) before the thin
permission_requested / question_asked event that names them.
"""

from .client import Permission, Session


class SessionCache(dict[str, Session]):
    """Root sessions by id, with lookups of what is pending on them."""

    def find_permission(self, permission_id: str) -> tuple[Session, Permission] | None:
        """Return the root session and the pending permission with this id."""
        for session in self.values():
            if (permission := session.find_permission(permission_id)) is not None:
                return session, permission
        return None

    def find_question(self, question_id: str) -> Session | None:
        """Return the root session whose pending question has this id."""
        return next(
            (s for s in self.values() if s.question and s.question.id == question_id),
            None,
        )
