"""Diagnostics redact the token and prompt-derived text."""

from fake_agent import TOKEN, FakeAgent
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)

from homeassistant.core import HomeAssistant


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client,
    init_integration: MockConfigEntry,
    agent: FakeAgent,
) -> None:
    """The token and titles never appear in diagnostics."""
    diag = await get_diagnostics_for_config_entry(hass, hass_client, init_integration)
    assert diag["entry"]["data"]["token"] == "**REDACTED**"
    assert diag["server_info"]["server_id"] == init_integration.unique_id
    assert diag["connected"] is True
    (session,) = diag["sessions"]
    assert session["title"] == "**REDACTED**"
    assert session["state"] == "idle"
    assert TOKEN not in str(diag)
    assert "Fix the build" not in str(diag)
    # Directories name the user's projects.
    assert session["directory"] == "**REDACTED**"
    # Which OpenCode the agent follows, without the project it runs in.
    (instance,) = diag["instances"]
    assert (instance["kind"], instance["opencode_version"]) == ("plugin", "1.18.33")
    assert instance["directory"] == instance["label"] == "**REDACTED**"
