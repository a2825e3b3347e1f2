"""The contract with the agent: the client against the golden frames the Rust side writes.

tests/fixtures/protocol/ holds one JSON file per frame kind, written from the agent's
typed structs. Every server frame must parse with the client's models and encode back to
exactly the same JSON (a field added, renamed, retyped or removed on either side fails),
every command the client sends must equal its cmd_*.json file, and every StrEnum and
constant must equal constants.json.
"""

import asyncio
from collections.abc import AsyncGenerator
import copy
from enum import Enum
import json
from pathlib import Path
from typing import Any

from aiohttp import ClientSession
from fake_agent import FINGERPRINT, GOLDEN, TOKEN, FakeAgent, golden
import pytest

from custom_components.opencode_lookout.client import (
    AuthFailureReason,
    CloseCode,
    CommandType,
    ConnectionErrorCode,
    ErrorCode,
    EventType,
    InstanceKind,
    LookoutClient,
    Pairing,
    QuestionOutcome,
    RemovedReason,
    Reply,
    ResolvedBy,
    Role,
    RunOutcome,
    Session,
    State,
    TodoItem,
    wire,
)
from custom_components.opencode_lookout.client.codec import decode, encode
from custom_components.opencode_lookout.client.errors import COMMAND_ERRORS
from custom_components.opencode_lookout.client.frames import (
    COMMANDS,
    EVENTS,
    Result,
    SessionChanged,
    command_json,
    parse_command,
    parse_server_frame,
    server_frame_json,
)
from custom_components.opencode_lookout.client.models import Empty, Messages, Snapshot
from custom_components.opencode_lookout.client.sessions import decode_fields

MANIFEST = (
    Path(__file__).parents[2] / "custom_components/opencode_lookout/manifest.json"
)

# Which model decodes the `result` of each golden result frame.
RESULTS: dict[str, type[Any]] = {
    "result_ok_list_sessions": Snapshot,
    "result_ok_get_messages": Messages,
    "result_ok_empty": Empty,
}
SERVER_FRAMES = [
    "hello",
    "auth_ok",
    "auth_failed",
    "error",
    "result_error",
    *RESULTS,
    *(f"event_{event}" for event in EventType),
]
CLIENT_FRAMES = ["auth", "subscribe", *(f"cmd_{c}" for c in CommandType if c not in {"auth", "subscribe"})]  # fmt: skip
# A value of another JSON type, per type (for the one-sided change test).
RETYPED: dict[type, Any] = {
    str: 1,
    int: "1",
    float: "1.5",
    bool: "true",
    type(None): [1],
}
# Frames between the OpenCode plugin and the agent: not Home Assistant's business.
NOT_FOR_HA = "plugin_"


def canonical(value: Any) -> str:
    """Return JSON that tells 1 from 1.0 and true from 1, keys sorted."""
    return json.dumps(value, sort_keys=True)


def reencode_server_frame(frame: dict[str, Any], result: type[Any] | None) -> Any:
    """Parse a server frame with the client's models and encode it back."""
    parsed = parse_server_frame(frame)
    out = server_frame_json(parsed)
    if isinstance(parsed, Result) and parsed.result is not None:
        assert result is not None
        out["result"] = encode(decode(result, parsed.result))
    if isinstance(parsed, SessionChanged):
        # Each changed field through the Session model, as the client merges it.
        out["fields"] = {k: encode(v) for k, v in decode_fields(parsed.fields).items()}
    return out


def test_every_golden_file_is_checked() -> None:
    """A new golden file fails here until the client covers it."""
    names = {p.stem for p in GOLDEN.glob("*.json")}
    known = {*SERVER_FRAMES, *CLIENT_FRAMES, "constants", "pairing"}
    assert {n for n in names if not n.startswith(NOT_FOR_HA)} == known


@pytest.mark.parametrize("name", SERVER_FRAMES)
def test_server_frame_round_trip(name: str) -> None:
    """The client reads every agent frame and writes it back identically."""
    frame = golden(name)
    assert canonical(reencode_server_frame(frame, RESULTS.get(name))) == canonical(
        frame
    )


def _round_trips(name: str, frame: dict[str, Any]) -> bool:
    """Return True if the client reads frame and writes back exactly it."""
    try:
        if name in CLIENT_FRAMES:
            cmd_id, command = parse_command(frame)
            out = command_json(command, cmd_id)
        else:
            out = reencode_server_frame(frame, RESULTS.get(name))
    except ValueError:
        return False
    return canonical(out) == canonical(frame)


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Return the path of every object key in a JSON value."""
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*path, key))
            found += _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _leaves(item, (*path, index))
    return found


@pytest.mark.parametrize("name", [*SERVER_FRAMES, *CLIENT_FRAMES])
def test_round_trip_catches_one_sided_changes(name: str) -> None:
    """The checks above are not vacuous: a key added, renamed, dropped or retyped fails."""
    frame = golden(name)
    for path in _leaves(frame):
        *parents, key = path
        for change in ("add", "rename", "drop", "retype"):
            changed = copy.deepcopy(frame)
            target = changed
            for step in parents:
                target = target[step]
            if change == "add":
                target["added_field"] = 1
            elif change == "rename":
                target[f"{key}_renamed"] = target.pop(key)
            elif change == "drop":
                del target[key]
            elif isinstance(target[key], dict | list) or key == "id":
                continue  # containers change through their keys; ids may be strings
            else:
                target[key] = RETYPED[type(target[key])]
            if path == ("type",) and change == "add":
                continue  # same as adding at the top, tested once
            if parents == ["fields"] and change == "drop":
                continue  # a delta carries any subset of a session's fields
            assert not _round_trips(name, changed), (change, path)


@pytest.mark.parametrize("name", CLIENT_FRAMES)
def test_command_round_trip(name: str) -> None:
    """The client's command models write exactly the golden client frames."""
    frame = golden(name)
    cmd_id, command = parse_command(frame)
    out = command_json(command, cmd_id)
    assert canonical(out) == canonical(frame)


@pytest.fixture
async def connected(
    agent: FakeAgent,
) -> AsyncGenerator[tuple[LookoutClient, FakeAgent]]:
    """Return a client connected and listening to the fake agent."""
    async with ClientSession() as http:
        client = LookoutClient(http, "127.0.0.1", agent.port, TOKEN, FINGERPRINT)
        await client.connect()
        task = asyncio.create_task(client.listen())
        yield client, agent
        await client.disconnect()
        await task


async def test_client_sends_golden_commands(
    connected: tuple[LookoutClient, FakeAgent],
) -> None:
    """What the client's methods put on the wire equals the golden frames (but the id)."""
    client, agent = connected
    permission = golden("cmd_reply_permission")
    await client.reply_permission(
        permission["permission_id"],
        Reply(permission["reply"]),
        session_id=permission["session_id"],
        message=permission["message"],
    )
    question = golden("cmd_reply_question")
    await client.reply_question(question["question_id"], question["answers"])
    await client.abort_session(golden("cmd_abort_session")["session_id"])
    prompt = golden("cmd_send_prompt")
    await client.send_prompt(prompt["session_id"], prompt["text"], prompt["agent"])
    messages = golden("cmd_get_messages")
    await client.get_messages(messages["session_id"], messages["limit"])
    await client.list_sessions()
    sent = {frame["type"]: frame for frame in agent.received}
    for name in CLIENT_FRAMES:
        expected = golden(name)
        if expected["type"] == "auth":
            assert agent.auths == [expected["token"]] == [TOKEN]
            continue
        got = {**sent[expected["type"]], "id": expected["id"]}
        assert canonical(got) == canonical(expected), name


def _values(enum: type[Enum]) -> list[Any]:
    """Return the wire values of an enum, in order."""
    return [member.value for member in enum]


@pytest.mark.parametrize(
    ("key", "enum"),
    [
        ("states", State),
        ("replies", Reply),
        ("error_codes", ErrorCode),
        ("events", EventType),
        ("resolved_by", ResolvedBy),
        ("auth_failure_reasons", AuthFailureReason),
        ("commands", CommandType),
        ("connection_error_codes", ConnectionErrorCode),
        ("question_outcomes", QuestionOutcome),
        ("removed_reasons", RemovedReason),
        ("run_outcomes", RunOutcome),
        ("instance_kinds", InstanceKind),
        ("roles", Role),
    ],
)
def test_enums_match_constants(key: str, enum: type[Enum]) -> None:
    """Each wire string set is the agent's, in the agent's order."""
    assert _values(enum) == golden("constants")[key]


def test_constants() -> None:
    """Numbers and names of the protocol are the agent's."""
    constants = golden("constants")
    assert {
        "schema": wire.SCHEMA,
        "min_schema": wire.MIN_SCHEMA,
        "default_port": wire.DEFAULT_PORT,
        "max_frame": wire.MAX_FRAME,
        "hard_frame_limit": wire.HARD_FRAME_LIMIT,
        "preauth_frame_limit": wire.PREAUTH_FRAME_LIMIT,
        "auth_timeout_s": wire.AUTH_TIMEOUT_S,
        "mdns_service_type": wire.MDNS_SERVICE_TYPE,
        "close_codes": {code.name.lower(): code.value for code in CloseCode},
    } == {key: constants[key] for key in (
        "schema", "min_schema", "default_port", "max_frame", "hard_frame_limit",
        "preauth_frame_limit", "auth_timeout_s", "mdns_service_type", "close_codes",
    )}  # fmt: skip
    manifest = json.loads(MANIFEST.read_text())
    assert manifest["zeroconf"] == [wire.MDNS_SERVICE_TYPE]


def test_every_code_and_name_has_a_type() -> None:
    """Each error code raises its own error; each event and command has its model."""
    assert set(COMMAND_ERRORS) == set(ErrorCode)
    assert set(EVENTS) == set(EventType)
    assert set(COMMANDS) == set(CommandType)


def test_pairing_string() -> None:
    """The example pairing string of the agent decodes to its documented parts."""
    example = golden("pairing")
    pairing = Pairing.parse(example["pairing"])
    assert {
        "port": pairing.port,
        "fingerprint": pairing.fingerprint,
        "token": pairing.token,
    } == {key: example[key] for key in ("port", "fingerprint", "token")}
    assert pairing.to_text() == example["pairing"]


def test_fake_agent_frames_are_golden() -> None:
    """The fake agent's objects parse with the client (they are golden copies)."""
    agent = FakeAgent()
    snapshot = agent._snapshot()
    decoded = decode(Snapshot, snapshot)
    assert canonical(encode(decoded)) == canonical(snapshot)


def test_session_plan_decodes() -> None:
    """The golden session's plan reads as TodoItems; a session without one as empty."""
    session = golden("event_session_updated")["session"]
    decoded = decode(Session, session)
    assert decoded.todo == [TodoItem(**item) for item in session["todo"]]
    assert (decoded.todo_done, decoded.todo_total) == (1, 3)
    assert decoded.has_plan
    older = {k: v for k, v in session.items() if not k.startswith("todo")}
    assert decode(Session, older).todo == []
    assert not decode(Session, older).has_plan
