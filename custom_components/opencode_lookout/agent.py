"""The client calls of one entry, each through the one client-error mapping."""

from .client import Message, Reply
from .errors import catch_client_error
from .manager import LookoutManager


class Agent:
    """The client calls of one entry, each through the error mapping."""

    def __init__(self, manager: LookoutManager) -> None:
        """Act through the manager's client."""
        self._manager = manager

    @property
    def connected(self) -> bool:
        """Return True while the agent is connected."""
        return self._manager.connected

    @property
    def agent_name(self) -> str:
        """Return the name of the agent's machine."""
        return self._manager.server_info.hostname

    @catch_client_error
    async def reply_permission(
        self, session_id: str, permission_id: str, reply: Reply, message: str | None
    ) -> None:
        """Answer a permission."""
        await self._manager.client.reply_permission(
            permission_id, reply, session_id=session_id, message=message
        )

    @catch_client_error
    async def reply_question(
        self, question_id: str, answers: list[list[str]] | None
    ) -> None:
        """Answer (or, with None, dismiss) a question."""
        await self._manager.client.reply_question(question_id, answers)

    @catch_client_error
    async def abort_session(self, session_id: str) -> None:
        """Abort a session."""
        await self._manager.client.abort_session(session_id)

    @catch_client_error
    async def send_prompt(self, session_id: str, text: str) -> None:
        """Queue a prompt."""
        await self._manager.client.send_prompt(session_id, text)

    @catch_client_error
    async def get_messages(self, session_id: str, limit: int) -> list[Message]:
        """Return the latest messages."""
        return await self._manager.client.get_messages(session_id, limit)
