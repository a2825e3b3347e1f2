"""What the phones were sent, what was answered, and the one-time nonces of the taps."""

from dataclasses import dataclass, field
import secrets

# Nonces of answered or replaced notifications are kept a while so that a late tap is
# told "already answered"; the oldest go first.
MAX_GRANTS = 256


@dataclass(frozen=True, kw_only=True)
class Grant:
    """What one nonce allows: a tap on one notification, from a phone it went to."""

    tag: str
    session_id: str
    targets: tuple[str, ...]


@dataclass(kw_only=True)
class Sent:
    """A request notification on the phones: its root session and the app targets."""

    session_id: str
    targets: list[str]


@dataclass(kw_only=True)
class NotifyState:
    """The notifier's state of one entry (in runtime_data: gone on unload)."""

    sent: dict[str, Sent] = field(default_factory=dict)
    done: set[str] = field(default_factory=set)
    grants: dict[str, Grant] = field(default_factory=dict)
    # Requests the plain targets were told about (in order): they hear of each once.
    told: dict[str, None] = field(default_factory=dict)

    def tell_once(self, tag: str) -> bool:
        """Return True the first time a request is to be told to the plain targets."""
        if tag in self.told:
            return False
        self.told[tag] = None
        while len(self.told) > MAX_GRANTS:
            del self.told[next(iter(self.told))]
        return True

    def grant(self, tag: str, session_id: str, targets: list[str]) -> str:
        """Return a new random nonce for the buttons of one notification."""
        nonce = secrets.token_hex(16)
        self.grants[nonce] = Grant(
            tag=tag, session_id=session_id, targets=tuple(targets)
        )
        while len(self.grants) > MAX_GRANTS:
            del self.grants[next(iter(self.grants))]
        return nonce

    def redeem(self, nonce: str) -> Grant | None:
        """Use a nonce up: return its grant the first time, None afterwards."""
        return self.grants.pop(nonce, None)
