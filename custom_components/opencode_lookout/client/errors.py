"""Exception tree of the client: one class per thing the agent (or the network) can say.

The integration maps these to translated errors in one place; nothing above the client
looks at wire codes.
"""

from .wire import AuthFailureReason, ErrorCode


class ClientError(Exception):
    """Base class of every error raised by the client."""


class CannotConnect(ClientError):
    """The agent cannot be reached, refused the connection, or the connection was lost."""


class ProtocolError(CannotConnect):
    """The agent sent a frame this client cannot read."""


class FingerprintMismatch(ClientError):
    """The endpoint presented another certificate than the pinned one: no token was sent."""

    def __init__(self, expected: str, got: str) -> None:
        """Store both fingerprints (hex); they are public, not secrets."""
        super().__init__(f"certificate fingerprint {got} is not the paired {expected}")
        self.expected = expected
        self.got = got


class InvalidAuth(ClientError):
    """The agent refused the token (invalid, or the auth frame was refused)."""

    def __init__(self, reason: AuthFailureReason) -> None:
        """Store the reason the agent gave."""
        super().__init__(f"authentication failed: {reason}")
        self.reason = reason


class RateLimited(ClientError):
    """Too many failed attempts from this address: wait, never re-pair."""

    def __init__(self, retry_after: int) -> None:
        """Store the seconds until the agent accepts a new attempt."""
        super().__init__(f"too many attempts, retry in {retry_after} s")
        self.retry_after = retry_after


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

    code: ErrorCode | None = None

    def __init__(self, message: str) -> None:
        """Store the agent's message (human text, not a key)."""
        super().__init__(f"{self.code}: {message}" if self.code else message)
        self.message = message


class BadRequest(CommandError):
    """The agent could not read the command (a client bug)."""

    code = ErrorCode.BAD_REQUEST


class TooLarge(CommandError):
    """The command frame is over the agent's frame limit."""

    code = ErrorCode.TOO_LARGE


class UnknownCommand(CommandError):
    """The agent does not know the command (an older agent)."""

    code = ErrorCode.UNKNOWN_COMMAND


class NotPending(CommandError):
    """Unknown session, or the permission/question is no longer pending."""

    code = ErrorCode.NOT_FOUND


class NotBusy(CommandError):
    """abort_session on a session that is idle or in error: nothing to abort."""

    code = ErrorCode.NOT_BUSY


class Unavailable(CommandError):
    """The OpenCode instance that owns the session is not connected."""

    code = ErrorCode.UNAVAILABLE


class OpencodeError(CommandError):
    """OpenCode refused the request; the message has its answer."""

    code = ErrorCode.OPENCODE_ERROR


class Timeout(CommandError):
    """OpenCode (or the agent) did not answer in time."""

    code = ErrorCode.TIMEOUT


class TooManyRequests(CommandError):
    """Too many commands of this client are already waiting for OpenCode."""

    code = ErrorCode.TOO_MANY_REQUESTS


COMMAND_ERRORS: dict[ErrorCode, type[CommandError]] = {
    cls.code: cls
    for cls in (
        BadRequest,
        TooLarge,
        UnknownCommand,
        NotPending,
        Unavailable,
        OpencodeError,
        Timeout,
        TooManyRequests,
        NotBusy,
    )
    if cls.code is not None
}


def command_error(code: ErrorCode, message: str) -> CommandError:
    """Return the typed error of an error result."""
    return COMMAND_ERRORS[code](message)
