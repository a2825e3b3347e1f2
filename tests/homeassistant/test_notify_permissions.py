"""Phone notifications of permission requests and the taps on their buttons."""

import logging

from common import device_id, wait_for
from fake_agent import CHILD_ID, ROOT_ID, SERVER_ID, FakeAgent, make_permission
from notify_common import (
    OTHER,
    PHONE,
    PREFIX,
    TARGETS,
    async_add_phones,
    cleared,
    mock_notify,
    nonce_of,
    phone_owner,
    request_permissions,
    sent,
    tap,
    wait_calls,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opencode_lookout.const import (
    CONF_NOTIFY_TARGETS,
    CONF_STEER_USERS,
    DOMAIN,
)
from homeassistant.auth.const import GROUP_ID_USER
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
    page = f"/config/devices/device/{device_id(hass, config_entry, ROOT_ID)}"

    def expected(nonce: str) -> dict:
        return {
            "title": "devbox · Fix the build",
            # The compound command once: its patterns are its parts, in the title.
            "message": "bash: rm -rf build && make\nAsked by a sub-agent.",
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
                        "action": f"{PREFIX}ONCE_{nonce}",
                        "title": "Approve",
                        "authenticationRequired": True,
                    },
                    {
                        # Always allows these patterns from now on: the button says so.
                        "action": f"{PREFIX}ALWAYS_{nonce}",
                        "title": "Always: rm *",
                        "authenticationRequired": True,
                    },
                    {
                        "action": f"{PREFIX}REJECT_{nonce}",
                        "title": "Reject",
                        "destructive": True,
                        "behavior": "textInput",
                        "textInputButtonTitle": "Reject",
                        "textInputPlaceholder": "Why? (optional, the agent sees it)",
                    },
                ],
            },
        }

    # Each phone has its own random one-time nonce.
    phone_nonce, other_nonce = nonce_of(calls, "per_2"), nonce_of(calls, "per_2", OTHER)
    assert len(phone_nonce) == 32
    assert phone_nonce != other_nonce
    assert sent(calls, PHONE) == [expected(phone_nonce)]
    assert sent(calls, OTHER) == [expected(other_nonce)]

    # A second request of the same session gets its own notification (own tag).
    await request_permissions(agent, PERMISSION, make_permission(session_id=ROOT_ID))
    await wait_calls(hass, calls, 4)
    newest = sent(calls, PHONE)[-1]
    assert newest["data"]["tag"] == "per_1"
    assert newest["message"] == "bash: rm -rf build"  # patterns are in the title

    # A title cut short: only the parts it does not show are added.
    cut = make_permission(
        id="per_3", title="bash: rm -rf build && ma…", patterns=["rm -rf build", "make"]
    )
    await request_permissions(agent, cut)
    await wait_calls(hass, calls, 10)  # the two above are cleared on both phones
    assert sent(calls, PHONE)[-1]["message"] == (
        "bash: rm -rf build && ma…\nmake\nAsked by a sub-agent."
    )


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
    await tap(hass, calls, verb, "per_2", reply_text=reply_text)
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
    await agent.update_session(state="working", pending_permissions=[])
    runtime = config_entry.runtime_data
    await wait_for(hass, lambda: runtime.sessions[ROOT_ID].state == "working")
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
    runtime = config_entry.runtime_data
    await wait_for(hass, lambda: runtime.sessions[ROOT_ID].title == "Fix the build!")
    assert len(calls) == 4
    # A session that stops waiting clears requests without any resolved event.
    await request_permissions(agent, make_permission(id="per_3"))
    await wait_calls(hass, calls, 6)
    await agent.update_session(state="idle", pending_permissions=[])
    await wait_calls(hass, calls, 8)
    assert sorted(cleared(calls, "per_3")) == sorted(TARGETS)


async def test_duplicate_and_foreign_taps(
    hass: HomeAssistant,
    calls: list[ServiceCall],
    agent: FakeAgent,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A replayed nonce, foreign ids and stale requests never reach the agent."""
    await request_permissions(agent, PERMISSION)
    await wait_calls(hass, calls, 2)
    used = nonce_of(calls, "per_2")
    await tap(hass, calls, "ONCE", "per_2")
    await wait_calls(hass, calls, 4)
    caplog.set_level(logging.INFO)
    # The same button again (a replay): the nonce is used up.
    await tap(hass, calls, "ALWAYS", "per_2", nonce=used)
    assert "unknown or already used nonce" in caplog.text
    assert len(calls) == 4
    # The other phone's owner taps too late: told, and only on that phone.
    await tap(hass, calls, "ALWAYS", "per_2", phone=OTHER)
    assert len(agent.commands("reply_permission")) == 1
    assert "per_2 on devbox was already answered" in caplog.text
    await wait_calls(hass, calls, 5)
    assert sent(calls, OTHER)[-1] == {
        "title": "devbox",
        "message": "This request was already answered.",
        "data": {"tag": "per_2", "timeout": 60},
    }

    for action in (
        f"{PREFIX}ONCE_{'0' * 32}",  # a nonce nobody issued
        f"{PREFIX}ONCE_",  # no nonce
        "SOMEONE_ELSE_ONCE_per_2",  # not our prefix
    ):
        await tap(hass, calls, "ONCE", "per_2", action=action)
    hass.bus.async_fire("mobile_app_notification_action", {"action": None})
    await hass.async_block_till_done()
    assert len(agent.commands("reply_permission")) == 1
    assert len(calls) == 5


async def test_taps_of_other_users_are_refused(
    hass: HomeAssistant,
    calls: list[ServiceCall],
    agent: FakeAgent,
    hass_admin_user: User,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Attack: a tap counts only from the owner of a phone the request went to."""
    await request_permissions(agent, PERMISSION)
    await wait_calls(hass, calls, 2)
    nonce = nonce_of(calls, "per_2")
    # No user (a fire_event webhook, a script), another user (even an admin), and
    # the owner of the other phone replaying this phone's nonce: all refused.
    for user_id in (None, hass_admin_user.id, phone_owner(hass, OTHER)):
        await tap(hass, calls, "ONCE", "per_2", nonce=nonce, user_id=user_id)
    assert agent.commands("reply_permission") == []
    assert "no user" in caplog.text
    assert caplog.text.count("the user owns none of its phones") == 2
    # The nonce was not used up by the refused taps: the owner still can.
    await tap(hass, calls, "ONCE", "per_2", nonce=nonce)
    assert len(agent.commands("reply_permission")) == 1


async def test_phone_owner_who_may_not_steer_is_refused(
    hass: HomeAssistant,
    calls: list[ServiceCall],
    agent: FakeAgent,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Attack: owning the phone is not enough; the owner must be allowed to steer."""
    await request_permissions(agent, PERMISSION)
    await wait_calls(hass, calls, 2)
    nonce = nonce_of(calls, "per_2", OTHER)
    owner = await hass.auth.async_get_user(phone_owner(hass, OTHER))
    assert owner is not None
    await hass.auth.async_update_user(owner, group_ids=[GROUP_ID_USER])
    owner.invalidate_cache()
    assert not owner.is_admin
    before = len(calls)
    await tap(hass, calls, "ONCE", "per_2", nonce=nonce, phone=OTHER)
    assert agent.commands("reply_permission") == []
    assert "the user may not steer" in caplog.text
    # The user is told why, on that phone only (it replaces the useless buttons).
    await wait_calls(hass, calls, before + 1)
    assert [f"notify.{c.service}" for c in calls[before:]] == [OTHER]
    assert calls[-1].data == {
        "title": "devbox",
        "message": "You may not answer the requests of devbox: ask an administrator "
        "to add you to the users allowed to steer (integration options).",
        "data": {"tag": "per_2", "timeout": 60},
    }
    # The same user once on the entry's allow-list may answer with the same nonce.
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    hass.config_entries.async_update_entry(
        entry, options={**entry.options, CONF_STEER_USERS: [owner.id]}
    )
    await hass.async_block_till_done()
    nonce = nonce_of(calls, "per_2", OTHER)
    await tap(hass, calls, "ONCE", "per_2", nonce=nonce, phone=OTHER)
    await wait_for(hass, lambda: len(agent.commands("reply_permission")) == 1)


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
    await tap(hass, calls, "ONCE", "per_2")
    await wait_calls(hass, calls, 4)
    again = sent(calls, PHONE)[-1]
    assert again["data"]["tag"] == "per_2"
    assert again["message"].startswith("Your answer did not arrive: ")
    assert "Cannot answer per_2 on devbox" in caplog.text
    assert len(again["data"]["actions"]) == 3

    agent.errors["reply_permission"] = {"code": "not_found", "message": "not pending"}
    await tap(hass, calls, "ONCE", "per_2")
    await wait_calls(hass, calls, 6)
    # The other phone is cleared; the phone that tapped is told.
    assert cleared(calls, "per_2") == [OTHER]
    assert sent(calls, PHONE)[-1]["message"] == "This request was already answered."

    # A tap for a session that has gone (its device deleted) is stale too.
    await request_permissions(agent, PERMISSION, make_permission(id="per_4"))
    await wait_calls(hass, calls, 8)
    config_entry.runtime_data.tracker.async_forget(ROOT_ID)
    await wait_calls(hass, calls, 10)
    await tap(hass, calls, "ONCE", "per_4")
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
    await async_add_phones(hass)
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
    runtime = config_entry.runtime_data
    await wait_for(hass, lambda: not runtime.manager.connected)
    await tap(
        hass, calls, "ONCE", "per_2"
    )  # the agent is offline: the buttons come back
    await wait_calls(hass, calls, 2)
    assert "is not connected" in sent(calls, PHONE)[-1]["message"]
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_plain_target_gets_one_message(
    hass: HomeAssistant,
    agent: FakeAgent,
    config_entry: MockConfigEntry,
) -> None:
    """A notify action that is not the Companion app gets the plain text once.

    No tag, no buttons, and nothing after: neither the re-sent buttons of a failed
    answer nor a clear_notification (it would arrive as a message of its own).
    """
    calls = mock_notify(hass)
    hass.services.async_register("notify", "family_chat", calls.append)
    await async_add_phones(hass)
    config_entry.add_to_hass(hass)
    hass.config_entries.async_update_entry(
        config_entry, options={CONF_NOTIFY_TARGETS: [PHONE, "notify.family_chat"]}
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()

    await agent.update_session(state="working")
    await request_permissions(agent, PERMISSION)
    await wait_calls(hass, calls, 2)
    # The answer fails once (the phone gets its buttons back), then arrives.
    agent.errors["reply_permission"] = {"code": "unavailable", "message": "gone"}
    await tap(hass, calls, "ONCE", "per_2")
    await wait_calls(hass, calls, 3)
    del agent.errors["reply_permission"]
    await tap(hass, calls, "ONCE", "per_2")
    await wait_calls(hass, calls, 4)
    assert cleared(calls, "per_2") == [PHONE]
    await agent.push(
        "permission_resolved",
        session_id=CHILD_ID,
        root_session_id=ROOT_ID,
        permission_id="per_2",
        reply="once",
        by="api",
    )
    await agent.update_session(state="working", pending_permissions=[])
    await agent.update_session(state="idle")
    runtime = config_entry.runtime_data
    await wait_for(hass, lambda: runtime.sessions[ROOT_ID].state == "idle")
    # A reconnect lists nothing new for it either.
    await agent.drop_clients()
    await wait_for(hass, lambda: agent.connections >= 2 and runtime.manager.connected)

    assert sent(calls, "notify.family_chat") == [
        {
            "title": "devbox · Fix the build",
            "message": "bash: rm -rf build && make\nAsked by a sub-agent.",
        }
    ]
    assert len(calls) == 4
    await hass.config_entries.async_unload(config_entry.entry_id)
