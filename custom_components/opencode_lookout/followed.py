"""Which OpenCode the agent follows: the machine's OpenCode versions sensor, as data.

The agent reports every OpenCode it hears from as an instance (a plugin process, an
attached `opencode serve`, or an OpenCode 2 background service) with its version. The
sensor's state names the versions of the connected ones, newest first; its attributes
list every instance the agent still reports, connected or not.
"""

from collections.abc import Iterable
from typing import Any

from .client import Instance

# A state is at most 255 characters; a machine never runs that many versions at once.
MAX_STATE = 255


type _Parts = tuple[tuple[int, int | str], ...]


def _parts(text: str) -> _Parts:
    """Return the dot-separated parts of a version, numbers compared as numbers."""
    return tuple((1, int(p)) if p.isdigit() else (0, p) for p in text.split(".") if p)


def _version_key(version: str) -> tuple[_Parts, bool, _Parts]:
    """Return a sort key: 2.0.22 after 2.0.9, a release after its pre-releases."""
    release, dash, pre = version.partition("-")
    return _parts(release), not dash, _parts(pre)


def versions_state(instances: Iterable[Instance]) -> str | None:
    """Return the versions of the connected instances, newest first (None: none known)."""
    versions = {
        i.opencode_version for i in instances if i.connected and i.opencode_version
    }
    if not versions:
        return None
    text = ", ".join(sorted(versions, key=_version_key, reverse=True))
    return text if len(text) <= MAX_STATE else text[: MAX_STATE - 1] + "…"


def instances_attributes(instances: Iterable[Instance]) -> dict[str, Any]:
    """Return one entry per instance: how it is attached, its version, connected."""
    return {
        "instances": [
            {
                "kind": i.kind.value,
                "version": i.opencode_version,
                "connected": i.connected,
            }
            for i in sorted(instances, key=lambda i: (not i.connected, i.since, i.id))
        ]
    }
