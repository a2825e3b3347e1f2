"""The OpenCode versions sensor's state and attributes, from the agent's instances."""

from datetime import UTC, datetime

from custom_components.opencode_lookout.client import Instance, InstanceKind
from custom_components.opencode_lookout.followed import (
    MAX_STATE,
    instances_attributes,
    versions_state,
)

SINCE = datetime(2026, 12, 1, tzinfo=UTC)


def instance(
    id_: str,
    version: str | None,
    kind: InstanceKind = InstanceKind.PLUGIN,
    connected: bool = True,
) -> Instance:
    """Return an instance the agent reports."""
    return Instance(
        id=id_,
        kind=kind,
        label=id_,
        directory=None,
        opencode_version=version,
        connected=connected,
        since=SINCE,
    )


def test_versions_newest_first_once_each() -> None:
    """Connected versions, numerically newest first, each once; unknown ones left out."""
    state = versions_state(
        [
            instance("a", "1.18.9"),
            instance("b", "2.0.22", InstanceKind.SERVICE),
            instance("c", "1.18.33"),
            instance("d", "1.18.33"),
            instance("e", None),
            instance("f", "2.1.0", connected=False),
            instance("g", "2.0.0-beta.3", InstanceKind.SERVER),
            instance("h", "2.0.0", InstanceKind.SERVER),
        ]
    )
    assert state == "2.0.22, 2.0.0, 2.0.0-beta.3, 1.18.33, 1.18.9"


def test_nothing_known_is_unknown() -> None:
    """No connected instance, or none with a version: no state (unknown)."""
    assert versions_state([]) is None
    assert versions_state([instance("a", "1.18.33", connected=False)]) is None
    assert versions_state([instance("a", None)]) is None


def test_state_fits_home_assistant() -> None:
    """A state stays within Home Assistant's 255 characters."""
    many = [instance(str(n), f"1.{n}.0") for n in range(100)]
    state = versions_state(many)
    assert state is not None
    assert len(state) == MAX_STATE
    assert state.endswith("…")


def test_attributes_connected_first() -> None:
    """Every instance, connected ones first: kind, version and connected only."""
    attrs = instances_attributes(
        [
            instance("old", "1.18.33", connected=False),
            instance("svc", "2.0.22", InstanceKind.SERVICE),
        ]
    )
    assert attrs == {
        "instances": [
            {"kind": "service", "version": "2.0.22", "connected": True},
            {"kind": "plugin", "version": "1.18.33", "connected": False},
        ]
    }
