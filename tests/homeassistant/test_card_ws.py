"""The dashboard card's side in Home Assistant: the subscription and the served bundle."""

from datetime import datetime
import hashlib
from typing import Any

from common import device_id as common_device_id, wait_for
from fake_agent import ROOT_ID, SERVER_ID, FakeAgent, make_permission, make_question
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    MockUser,
    async_capture_events,
)
from pytest_homeassistant_custom_component.typing import (
    ClientSessionGenerator,
    MockHAClientWebSocket,
    WebSocketGenerator,
)

from custom_components.opencode_lookout import websocket_api
from custom_components.opencode_lookout.client import Session
from custom_components.opencode_lookout.client.codec import encode
from custom_components.opencode_lookout.const import (
    CONF_STEER_USERS as STEER_USERS,
    DOMAIN,
)
from custom_components.opencode_lookout.frontend import (
    BUNDLE,
    URL_PATH,
    async_setup_card,
)
from custom_components.opencode_lookout.websocket_api import SUBSCRIBE
from homeassistant.components.frontend import DATA_EXTRA_MODULE_URL
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.setup import async_setup_component


async def _setup_card(hass: HomeAssistant) -> None:
    """Run the card's setup unless the integration's async_setup already did."""
    assert await async_setup_component(hass, DOMAIN, {})
    if SUBSCRIBE not in hass.data.get("websocket_api", {}):
        await async_setup_card(hass)


async def _subscribe(client: MockHAClientWebSocket) -> tuple[int, dict[str, Any]]:
    """Subscribe; return the subscription id and the snapshot event."""
    await client.send_json_auto_id({"type": SUBSCRIBE})
    result = await client.receive_json()
    assert result["success"], result
    event = await client.receive_json()
    assert event["id"] == result["id"]
    assert event["type"] == "event"
    return result["id"], event["event"]


def _when(text: str) -> datetime:
    """Parse a timestamp to compare instants, whatever the format details."""
    return datetime.fromisoformat(text).replace(microsecond=0)


async def _next_event(client: MockHAClientWebSocket, kind: str) -> dict[str, Any]:
    """Return the next subscription event of this kind (skipping others)."""
    while True:
        message = await client.receive_json()
        assert message["type"] == "event", message
        if message["event"]["type"] == kind:
            return message["event"]


@pytest.fixture
async def ws(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
) -> MockHAClientWebSocket:
    """Return an admin's websocket client with the card's command registered."""
    await _setup_card(hass)
    return await hass_ws_client(hass)


async def test_snapshot(
    hass: HomeAssistant,
    ws: MockHAClientWebSocket,
    init_integration: MockConfigEntry,
    agent: FakeAgent,
) -> None:
    """The first event holds every machine with its sessions and their HA devices."""
    _, snapshot = await _subscribe(ws)
    assert snapshot["type"] == "snapshot"
    [machine] = snapshot["machines"]
    dev_reg = dr.async_get(hass)
    machine_device = dev_reg.async_get_device_by_identifier(
        (DOMAIN, SERVER_ID), init_integration.entry_id
    )
    assert machine_device is not None
    assert machine["entry_id"] == init_integration.entry_id
    assert machine["device_id"] == machine_device.id
    assert machine["name"] == init_integration.title
    assert machine["available"] is True
    assert machine["can_steer"] is True
    sessions = {s["id"]: s for s in machine["sessions"]}
    root = sessions[ROOT_ID]
    session_device = dev_reg.async_get_device_by_identifier(
        (DOMAIN, f"{SERVER_ID}_{ROOT_ID}"), init_integration.entry_id
    )
    assert session_device is not None
    assert root["device_id"] == session_device.id
    # The agent's session object, as it sent it (schema 3 field names).
    sent = agent.sessions[ROOT_ID]
    for key in ("title", "state", "project", "model", "cost_total", "files_changed"):
        assert root[key] == sent[key], key
    assert _when(root["last_activity"]) == _when(sent["last_activity"])
    assert _when(root["state_since"]) == _when(sent["last_activity"])
    # Child sessions are shown through their root, never as rows.
    assert all(not s["is_child"] for s in machine["sessions"])


async def test_pushes_changes(
    hass: HomeAssistant, ws: MockHAClientWebSocket, agent: FakeAgent
) -> None:
    """Session updates, new sessions, removals and the connection are pushed."""
    _, snapshot = await _subscribe(ws)
    entry_id = snapshot["machines"][0]["entry_id"]
    permission = make_permission()
    await agent.update_session(
        state="waiting_permission", pending_permissions=[permission]
    )
    event = await _next_event(ws, "session")
    assert event["entry_id"] == entry_id
    assert event["session"]["id"] == ROOT_ID
    assert event["session"]["state"] == "waiting_permission"
    assert [p["id"] for p in event["session"]["pending_permissions"]] == [
        permission["id"]
    ]
    # A state change seen live starts the clock now, not at the agent's last activity.
    assert (
        event["session"]["state_since"]
        != snapshot["machines"][0]["sessions"][0]["last_activity"]
    )

    await agent.update_session("ses_new", title="New one", state="working")
    event = await _next_event(ws, "session")
    assert event["session"]["id"] == "ses_new"
    assert event["session"]["device_id"] is not None

    await agent.remove_session("ses_new")
    event = await _next_event(ws, "session_removed")
    assert event == {
        "type": "session_removed",
        "entry_id": entry_id,
        "session_id": "ses_new",
    }

    await agent.stop()
    event = await _next_event(ws, "machine")
    assert event["machine"]["available"] is False


async def test_unchanged_sessions_are_not_resent(
    hass: HomeAssistant, ws: MockHAClientWebSocket, agent: FakeAgent
) -> None:
    """Only the session that changed is sent again."""
    await _subscribe(ws)
    await agent.update_session("ses_other", title="Other", state="working")
    event = await _next_event(ws, "session")
    assert event["session"]["id"] == "ses_other"
    await agent.update_session("ses_other", title="Other, renamed", state="working")
    event = await _next_event(ws, "session")
    assert event["session"]["id"] == "ses_other"
    assert event["session"]["title"] == "Other, renamed"


async def test_a_change_encodes_only_that_session(
    hass: HomeAssistant,
    ws: MockHAClientWebSocket,
    agent: FakeAgent,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With many sessions, a flush encodes the one that changed, not all of them."""
    # 15 more: under the default cap of 20 session devices per machine.
    for n in range(15):
        await agent.update_session(f"ses_many{n:02}", title=f"Many {n}", state="idle")
    await wait_for(
        hass,
        lambda: (
            len(hass.config_entries.async_entries(DOMAIN)[0].runtime_data.sessions) > 15
        ),
    )
    await _subscribe(ws)
    encoded: list[str] = []

    def counting_encode(value: Any) -> Any:
        if isinstance(value, Session):
            encoded.append(value.id)
        return encode(value)

    monkeypatch.setattr(websocket_api, "encode", counting_encode)
    await agent.update_session("ses_many07", title="Renamed", state="idle")
    event = await _next_event(ws, "session")
    assert event["session"]["id"] == "ses_many07"
    assert event["session"]["title"] == "Renamed"
    assert encoded == ["ses_many07"]


async def test_unsubscribe_stops_pushes(
    hass: HomeAssistant, ws: MockHAClientWebSocket, agent: FakeAgent
) -> None:
    """After unsubscribing, changes send nothing more."""
    sub_id, _ = await _subscribe(ws)
    await ws.send_json_auto_id({"type": "unsubscribe_events", "subscription": sub_id})
    assert (await ws.receive_json())["success"]
    await agent.update_session(state="working")
    await wait_for(
        hass,
        lambda: (
            hass.config_entries.async_entries(DOMAIN)[0]
            .runtime_data.sessions[ROOT_ID]
            .state
            == "working"
        ),
    )
    await ws.send_json_auto_id({"type": "ping"})
    assert (await ws.receive_json())["type"] == "pong"


async def test_read_only_user_and_steer_users(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
    hass_read_only_user: MockUser,
    hass_read_only_access_token: str,
) -> None:
    """A non-admin sees can_steer false until the options allow them to steer."""
    await _setup_card(hass)
    client = await hass_ws_client(hass, hass_read_only_access_token)
    _, snapshot = await _subscribe(client)
    assert snapshot["machines"][0]["can_steer"] is False
    # Sessions are still shown, read-only.
    assert snapshot["machines"][0]["sessions"]

    hass.config_entries.async_update_entry(
        init_integration, options={STEER_USERS: [hass_read_only_user.id]}
    )
    event = await _next_event(client, "machine")
    assert event["machine"]["can_steer"] is True


async def test_unloaded_entry_is_an_offline_machine(
    hass: HomeAssistant,
    config_entry: MockConfigEntry,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """An entry not loaded is listed offline without sessions; removal drops it."""
    config_entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await _setup_card(hass)
    ws = await hass_ws_client(hass)
    await _subscribe(ws)
    await hass.config_entries.async_unload(config_entry.entry_id)
    event = await _next_event(ws, "machine")
    assert event["machine"]["available"] is False
    event = await _next_event(ws, "session_removed")
    assert event["entry_id"] == config_entry.entry_id
    await hass.config_entries.async_remove(config_entry.entry_id)
    event = await _next_event(ws, "machine_removed")
    assert event["entry_id"] == config_entry.entry_id


async def test_bundle_is_served_and_loaded(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """With the frontend, every dashboard loads the bundle at a content-hashed URL."""
    assert await async_setup_component(hass, "frontend", {})
    await _setup_card(hass)
    await hass.async_block_till_done()
    digest = hashlib.sha256(BUNDLE.read_bytes()).hexdigest()[:16]
    url = f"{URL_PATH}?v={digest}"
    assert url in hass.data[DATA_EXTRA_MODULE_URL].urls
    client = await hass_client_no_auth()
    response = await client.get(url)
    assert response.status == 200
    body = await response.text()
    assert 'customElements.define("opencode-lookout-card"' in body or (
        "opencode-lookout-card" in body
    )
    assert "max-age" in response.headers.get("Cache-Control", "")


async def test_read_only_user_gets_no_command_text(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    agent: FakeAgent,
    hass_ws_client: WebSocketGenerator,
    hass_read_only_user: MockUser,
    hass_read_only_access_token: str,
) -> None:
    """Attack: a user who may not steer reads the sessions through the card.

    They see the sessions and what kind of request waits, never the commands,
    patterns, questions or directories; allowed to steer, they get them. Before,
    every user read everything.
    """
    question = make_question()
    await agent.update_session(
        state="waiting_permission",
        pending_permissions=[make_permission()],
        question=question,
        directory="/home/ada/secret-project",
        current_tool="bash: rm -rf build",
    )
    runtime = init_integration.runtime_data
    await wait_for(hass, lambda: runtime.sessions[ROOT_ID].question is not None)
    await _setup_card(hass)
    client = await hass_ws_client(hass, hass_read_only_access_token)
    _, snapshot = await _subscribe(client)
    (session,) = [s for s in snapshot["machines"][0]["sessions"] if s["id"] == ROOT_ID]
    text = str(session)
    for secret in ("rm -rf build", "rm *", "secret-project", "Postgres"):
        assert secret not in text, secret
    assert question["questions"][0]["question"] not in text
    (permission,) = session["pending_permissions"]
    assert permission["id"] == "per_1"
    assert permission["permission"] == "bash"
    assert session["current_tool"] == "bash"
    assert session["state"] == "waiting_permission"

    hass.config_entries.async_update_entry(
        init_integration, options={STEER_USERS: [hass_read_only_user.id]}
    )
    while True:
        event = await _next_event(client, "session")
        if event["session"]["id"] == ROOT_ID:
            break
    assert event["session"]["pending_permissions"][0]["title"] == "bash: rm -rf build"
    assert event["session"]["directory"] == "/home/ada/secret-project"


async def _command(
    client: MockHAClientWebSocket, command: str, **fields: Any
) -> dict[str, Any]:
    """Send one of the card's steering commands; return its result message."""
    await client.send_json_auto_id({"type": f"{DOMAIN}/{command}", **fields})
    return await client.receive_json()


async def test_steering_commands(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    agent: FakeAgent,
    hass_ws_client: WebSocketGenerator,
    hass_read_only_user: MockUser,
    hass_read_only_access_token: str,
) -> None:
    """The card answers over its own commands: checked, sent to the agent, audited.

    Attack: a user who may not steer sends them and is refused (nothing reaches the
    agent, nothing is audited). Once the options allow them, their prompt, reject
    with its reason and answer reach the agent as the actions' would. Before, these
    commands did not exist and the card called the (recorded) actions.
    """
    await agent.update_session(
        state="waiting_permission",
        pending_permissions=[make_permission()],
        question=make_question(),
    )
    runtime = init_integration.runtime_data
    await wait_for(hass, lambda: runtime.sessions[ROOT_ID].question is not None)
    await _setup_card(hass)
    session = common_device_id(hass, init_integration, ROOT_ID)
    audits = async_capture_events(hass, "opencode_lookout_command")
    client = await hass_ws_client(hass, hass_read_only_access_token)
    steering = (
        (
            "reply_permission",
            {"reply": "reject", "permission_id": "per_1", "message": "use the fixture"},
        ),
        ("reply_question", {"answer": "sqlite"}),
        ("send_prompt", {"text": "run the tests"}),
    )
    for command, fields in steering:
        result = await _command(client, command, device_id=session, **fields)
        assert not result["success"], command
        assert result["error"]["code"] == "unauthorized", result
    assert not agent.commands("reply_permission")
    assert not agent.commands("reply_question")
    assert not agent.commands("send_prompt")
    assert audits == []

    hass.config_entries.async_update_entry(
        init_integration, options={STEER_USERS: [hass_read_only_user.id]}
    )
    await hass.async_block_till_done()
    for command, fields in steering:
        result = await _command(client, command, device_id=session, **fields)
        assert result["success"], result
    (reply,) = agent.commands("reply_permission")
    assert (reply["session_id"], reply["permission_id"]) == (ROOT_ID, "per_1")
    assert (reply["reply"], reply["message"]) == ("reject", "use the fixture")
    (answer,) = agent.commands("reply_question")
    assert (answer["question_id"], answer["answers"]) == ("que_1", [["SQLite"]])
    (prompt,) = agent.commands("send_prompt")
    assert (prompt["session_id"], prompt["text"]) == (ROOT_ID, "run the tests")
    await hass.async_block_till_done()
    assert [e.data["verb"] for e in audits] == ["rejected", "answered", "prompted"]
    assert {e.context.user_id for e in audits} == {hass_read_only_user.id}

    # The actions' validation holds too: no answer is refused, a dismissal is sent.
    result = await _command(client, "reply_question", device_id=session)
    assert result["error"]["translation_key"] == "answer_required", result
    result = await _command(client, "reply_question", device_id=session, reject=True)
    assert result["success"], result
    assert agent.commands("reply_question")[-1]["reject"] is True
    result = await _command(client, "send_prompt", device_id="nope", text="x")
    assert result["error"]["translation_key"] == "invalid_device", result
