"""Exception tree of the OpenCode Lookout protocol client."""

from __future__ import annotations


class ClientError(Exception):
    """Base class of every error raised by the client."""


class CannotConnect(ClientError):
    """The agent cannot be reached, or the connection was lost."""


class InvalidAuth(ClientError):
    """The agent rejected the token."""

    def __init__(self, reason: str) -> None:
        """Store the reason the agent gave (invalid_token, rate_limited, ...)."""
        super().__init__(f"authentication failed: {reason}")
        self.reason = reason


class IncompatibleSchema(ClientError):
    """The agent does not serve the schema this client speaks."""

    def __init__(self, schema: int, min_schema: int, client_schema: int) -> None:
        """Store the schema range of the agent and the client's schema."""
        super().__init__(
            f"agent serves schema {min_schema}..{schema}, client speaks {client_schema}"
        )
        self.schema = schema
        self.min_schema = min_schema
        self.client_schema = client_schema


class CommandError(ClientError):
    """The agent answered a command with an error result."""

    def __init__(self, code: str, message: str) -> None:
        """Store the protocol error code and message."""
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
