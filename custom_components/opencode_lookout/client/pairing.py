"""The pairing string `lookout1:<port>:<fingerprint>:<token>` printed by `opencode-lookout pair`."""

from dataclasses import dataclass
import re
from typing import Final, Self, override

PREFIX: Final = "lookout1"
# SHA-256 of the agent's DER certificate, as aiohttp.Fingerprint compares it.
_FINGERPRINT = re.compile(r"[0-9a-f]{64}")
# The agent refuses tokens shorter than 32 characters; its own are 43 (base64url).
_TOKEN = re.compile(r"[A-Za-z0-9_-]{32,256}")


class InvalidPairing(ValueError):
    """The text is not a pairing string."""


def is_fingerprint(value: str) -> bool:
    """Return True for 64 lowercase hex characters."""
    return _FINGERPRINT.fullmatch(value) is not None


@dataclass(frozen=True, kw_only=True)
class Pairing:
    """What a pairing string carries: where to connect, whom to trust, what to send."""

    port: int
    fingerprint: str
    token: str

    @classmethod
    def parse(cls, text: str) -> Self:
        """Parse a pasted pairing string (surrounding whitespace is ignored)."""
        parts = text.strip().split(":")
        if len(parts) != 4 or parts[0] != PREFIX:
            raise InvalidPairing("not a lookout1 pairing string")
        _, port_text, fingerprint, token = parts
        if not port_text.isascii() or not port_text.isdigit():
            raise InvalidPairing("bad port")
        port = int(port_text)
        if not 0 < port < 65536:
            raise InvalidPairing("bad port")
        fingerprint = fingerprint.lower()
        if not is_fingerprint(fingerprint):
            raise InvalidPairing("bad certificate fingerprint")
        if _TOKEN.fullmatch(token) is None:
            raise InvalidPairing("bad token")
        return cls(port=port, fingerprint=fingerprint, token=token)

    def to_text(self) -> str:
        """Return the pairing string (it holds the token: never log it)."""
        return f"{PREFIX}:{self.port}:{self.fingerprint}:{self.token}"

    @override
    def __repr__(self) -> str:
        """Keep the token out of logs and tracebacks."""
        return f"Pairing(port={self.port}, fingerprint={self.fingerprint!r})"
