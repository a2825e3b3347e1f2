"""Phone notifications of permission requests and the taps on their buttons."""

from __future__ import annotations

import logging

from common import wait_for
from fake_agent import CHILD_ID, ROOT_ID, SERVER_ID, FakeAgent, make_permission
from notify_common import (
    ACTION,
    OTHER,
    PHONE,
    TARGETS,
    cleared,
    mock_notify,
    request_permissions,
    sent,
    session_device_id,
    tap,
    wait_calls,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opencode_lookout.const import CONF_NOTIFY_TARGETS
from homeassistant.auth.models import User
from homeassistant.core import HomeAssistant, ServiceCall

PERMISSION = make_permission(
    id="per_2",
    title="bash: rm -rf build && make",
    patterns=["rm -rf build", "make"],
)


async def test_permission_notification(
    hass: HomeAssistant,
    calls: list[ServiceCall],
    agent: FakeAgent,
    config_entry: MockConfigEntry,
) -> None:
    """One notification per target: title, message, tag and the three buttons."""
    await request_permissions(agent, PERMISSION)
    await wait_calls(hass, calls, 2)
    page = f"/config/devices/device/{session_device_id(hass, config_entry, ROOT_ID)}"
    expected = {
        "title": "devbox · Fix the build",
        "message": "bash: rm -rf build && make\nrm -rf build, make\nAsked by a sub-agent.",
        "data": {
            "tag": "per_2",
            "group": f"opencode_lookout_{SERVER_ID}",
            "url": page,
            "clickAction": page,
            "ttl": 0,
            "priority": "high",
            "alert_once": True,
            "push": {"interruption-level": "time-sensitive"},
            "actions": [
                {
                    "action": f"{ACTION}:ONCE:per_2",
                    "title": "Approve",
                    "authenticationRequired": True,
                },
                {
                    "action": f"{ACTION}:ALWAYS:per_2",
                    "title": "Always",
                    "authenticationRequired": True,
                },
                {
                    "action": f"{ACTION}:REJECT:per_2",
                    "title": "Reject",
                    "destructive": True,
                    "behavior": "textInput",
                    "textInputButtonTitle": "Reject",
                    "textInputPlaceholder": "Why? (optional, the agent sees it)",
                },
            ],
        },
    }
    assert sent(calls, PHONE) == [expected]
    assert sent(calls, OTHER) == [expected]

    # A second request of the same session gets its own notification (own tag).
    await request_permissions(agent, PERMISSION, make_permission(session_id=ROOT_ID))
    await wait_calls(hass, calls, 4)
    newest = sent(calls, PHONE)[-1]
    assert newest["data"]["tag"] == "per_1"
    assert newest["message"] == "bash: rm -rf build"  # patterns are in the title


@pytest.mark.parametrize(
    "case",
    [
        ("ONCE", None, "once", None),
        ("ALWAYS", "ignored", "always", None),
        ("REJECT", "  use make clean ", "reject", "use make clean"),
        ("REJECT", "", "reject", None),
    ],
)
async def test_tap_replies_and_clears(
    hass: HomeAssistant,
    calls: list[ServiceCall],
    agent: FakeAgent,
    config_entry: MockConfigEntry,
    case: tuple[str, str | None, str, str | None],
) -> None:
    """A tap answers the permission through the agent, then clears every phone."""
    verb, reply_text, reply, message = case
    await request_permissions(agent, PERMISSION)
    await wait_calls(hass, calls, 2)
    await tap(hass, verb, "per_2", reply_text=reply_text)
    (command,) = agent.commands("reply_permission")
    assert command["permission_id"] == "per_2"
    assert command["session_id"] == ROOT_ID
    assert command["reply"] == reply
    assert command.get("message") == message
    await wait_calls(hass, calls, 4)
    assert sorted(cleared(calls, "per_2")) == sorted(TARGETS)

    # The agent then reports the permission gone: nothing is sent or cleared again.
    await agent.push(
        "permission_resolved",
        session_id=CHILD_ID,
        root_session_id=ROOT_ID,
        permission_id="per_2",
        reply=reply,
        by="api",
    )
    await agent.update_session(state="working", permission=None, pending_permissions=[])
    manager = config_entry.runtime_data.manager
    await wait_for(hass, lambda: manager.sessions[ROOT_ID].state == "working")
    assert len(calls) == 4


@pytest.mark.parametrize("by", ["opencode", "expired"])
async def test_answered_elsewhere_clears(
    hass: HomeAssistant,
    calls: list[ServiceCall],
    agent: FakeAgent,
    config_entry: MockConfigEntry,
    by: str,
) -> None:
    """permission_resolved (terminal, another client, expiry) clears the phones."""
    await request_permissions(agent, PERMISSION)
    await wait_calls(hass, calls, 2)
    await agent.push(
        "permission_resolved",
        session_id=CHILD_ID,
        root_session_id=ROOT_ID,
        permission_id="per_2",
        reply="once" if by == "opencode" else None,
        by=by,
    )
    await wait_calls(hass, calls, 4)
    assert sorted(cleared(calls, "per_2")) == sorted(TARGETS)
    # Still listed by a late session update: not sent again.
    await agent.update_session(title="Fix the build!")
    manager = config_entry.runtime_data.manager
    await wait_for(hass, lambda: manager.sessions[ROOT_ID].title == "Fix the build!")
    assert len(calls) == 4
    # A session that stops waiting clears requests without any resolved event.
    await request_permissions(agent, make_permission(id="per_3"))
    await wait_calls(hass, calls, 6)
    await agent.update_session(state="idle", permission=None, pending_permissions=[])
    await wait_calls(hass, calls, 8)
    assert sorted(cleared(calls, "per_3")) == sorted(TARGETS)


async def test_duplicate_and_foreign_taps(
    hass: HomeAssistant,
    calls: list[ServiceCall],
    agent: FakeAgent,
    hass_admin_user: User,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A second tap, foreign ids and unknown permissions never reach the agent."""
    MockConfigEntry(
        domain="mobile_app",
        data={"device_name": "Test", "user_id": hass_admin_user.id},
    ).add_to_hass(hass)
    await request_permissions(agent, PERMISSION)
    await wait_calls(hass, calls, 2)
    await tap(hass, "ONCE", "per_2", user_id=hass_admin_user.id)
    await wait_calls(hass, calls, 4)
    caplog.set_level(logging.INFO)
    await tap(hass, "ALWAYS", "per_2", user_id=hass_admin_user.id)
    assert len(agent.commands("reply_permission")) == 1
    assert "per_2 on devbox was already answered" in caplog.text
    # The phone of the user who tapped is told; the other phone is left alone.
    await wait_calls(hass, calls, 5)
    assert sent(calls, PHONE)[-1] == {
        "title": "devbox",
        "message": "This request was already answered.",
        "data": {"tag": "per_2", "timeout": 60},
    }

    for prefix, verb, request_id in (
        ("OPENCODE_LOOKOUT:another-agent", "ONCE", "per_2"),  # another entry's
        ("SOMEONE_ELSE:" + SERVER_ID, "ONCE", "per_2"),  # not our prefix
        (ACTION, "NUKE", "per_2"),  # not a verb of ours
    ):
        await tap(hass, verb, request_id, prefix=prefix)
    await tap(hass, "ONCE", "per_unknown")  # not pending on this agent
    hass.bus.async_fire("mobile_app_notification_action", {"action": None})
    await hass.async_block_till_done()
    assert len(agent.commands("reply_permission")) == 1
    assert len(calls) == 5


async def test_reply_errors(
    hass: HomeAssistant,
    calls: list[ServiceCall],
    agent: FakeAgent,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """not_found is 'already answered'; other errors put the buttons back."""
    await request_permissions(agent, PERMISSION)
    await wait_calls(hass, calls, 2)
    agent.errors["reply_permission"] = {"code": "unavailable", "message": "gone"}
    await tap(hass, "ONCE", "per_2")
    await wait_calls(hass, calls, 4)
    again = sent(calls, PHONE)[-1]
    assert again["data"]["tag"] == "per_2"
    assert again["message"].startswith("Your answer did not arrive: ")
    assert "Cannot answer per_2 on devbox" in caplog.text
    assert len(again["data"]["actions"]) == 3

    agent.errors["reply_permission"] = {"code": "not_found", "message": "not pending"}
    await tap(hass, "ONCE", "per_2")
    await wait_calls(hass, calls, 6)
    assert sorted(cleared(calls, "per_2")) == sorted(TARGETS)

    # A tap for a session that has gone (its device deleted) is stale too.
    await request_permissions(agent, PERMISSION, make_permission(id="per_4"))
    await wait_calls(hass, calls, 8)
    config_entry.runtime_data.manager.async_forget_session(ROOT_ID)
    await wait_calls(hass, calls, 10)
    await tap(hass, "ONCE", "per_4")
    assert len(agent.commands("reply_permission")) == 2
    assert "per_4 on devbox was already answered" in caplog.text


async def test_missing_target_and_offline(
    hass: HomeAssistant,
    agent: FakeAgent,
    config_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A notify action that does not exist is logged; offline, nothing changes."""
    calls = mock_notify(hass)
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry,
        options={CONF_NOTIFY_TARGETS: ["notify.mobile_app_gone", PHONE]},
    )
    await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    await request_permissions(agent, PERMISSION)
    await wait_calls(hass, calls, 1)
    assert "Cannot send a notification with notify.mobile_app_gone" in caplog.text

    await agent.stop()
    manager = config_entry.runtime_data.manager
    await wait_for(hass, lambda: not manager.connected)
    await tap(hass, "ONCE", "per_2")  # the agent is offline: the buttons come back
    await wait_calls(hass, calls, 2)
    assert "is not connected" in sent(calls, PHONE)[-1]["message"]
    await hass.config_entries.async_unload(config_entry.entry_id)
