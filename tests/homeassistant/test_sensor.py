"""Entities of the machine and session devices: creation and every state."""

from common import entity_id, wait_for
from fake_agent import (
    CHILD_ID,
    INSTANCE_ID,
    ROOT_ID,
    FakeAgent,
    make_permission,
    make_question,
)
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from homeassistant.components.recorder.db_schema import StateAttributes
from homeassistant.const import (
    EVENT_STATE_CHANGED,
    STATE_OFF,
    STATE_ON,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    EntityCategory,
)
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers import entity_registry as er


def _state(hass: HomeAssistant, platform: str, key: str, session: str | None = ROOT_ID):
    """Return the state object of an entity."""
    return hass.states.get(entity_id(hass, platform, key, session))


async def test_machine_entities(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """The machine device reports connectivity, counts and the agent's usage totals."""
    assert _state(hass, "binary_sensor", "connected", None).state == STATE_ON
    assert _state(hass, "sensor", "sessions_working", None).state == "0"
    assert _state(hass, "sensor", "sessions_waiting", None).state == "0"
    assert _state(hass, "sensor", "pending_permissions", None).state == "0"
    spend = _state(hass, "sensor", "total_spend", None)
    assert spend.state == str(agent.usage["cost"])
    assert spend.attributes["unit_of_measurement"] == "USD"
    assert spend.attributes["state_class"] == "total_increasing"
    assert "device_class" not in spend.attributes
    assert spend.attributes["friendly_name"] == "devbox Total spend"
    tokens = _state(hass, "sensor", "total_tokens", None)
    assert tokens.state == str(agent.usage["tokens"])
    assert tokens.attributes["unit_of_measurement"] == "tokens"
    assert tokens.attributes["state_class"] == "total_increasing"
    assert tokens.attributes["friendly_name"] == "devbox Total tokens"

    # The agent counts one more message: both totals follow usage_updated.
    await agent.add_usage(cost=0.5, tokens_input=1000, tokens_output=234)
    await wait_for(
        hass, lambda: tokens.state != _state(hass, "sensor", "total_tokens", None).state
    )
    assert _state(hass, "sensor", "total_spend", None).state == str(agent.usage["cost"])
    assert _state(hass, "sensor", "total_tokens", None).state == str(
        agent.usage["tokens"]
    )

    await agent.update_session(
        state="waiting_permission",
        pending_permissions=[make_permission(), make_permission(id="per_2")],
    )
    await agent.update_session("ses_other", state="working", title="Other")
    await wait_for(
        hass, lambda: _state(hass, "sensor", "sessions_working", None).state == "1"
    )
    assert _state(hass, "sensor", "sessions_waiting", None).state == "1"
    assert _state(hass, "sensor", "pending_permissions", None).state == "2"


async def test_opencode_versions(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """The machine names the OpenCode versions it follows; written only when they change."""
    versions = entity_id(hass, "sensor", "opencode_versions")
    entry = er.async_get(hass).async_get(versions)
    assert entry.entity_category is EntityCategory.DIAGNOSTIC
    assert entry.disabled_by is None
    state = hass.states.get(versions)
    assert state.state == "1.18.33"
    assert state.attributes["friendly_name"] == "devbox OpenCode versions"
    assert state.attributes["instances"] == [
        {"kind": "plugin", "version": "1.18.33", "connected": True}
    ]

    # An OpenCode 2 background service joins: newest version first, both listed.
    await agent.connect_instance(
        id="service-1", kind="service", opencode_version="2.0.22", directory=None
    )
    await wait_for(hass, lambda: hass.states.get(versions).state == "2.0.22, 1.18.33")
    assert [i["kind"] for i in hass.states.get(versions).attributes["instances"]] == [
        "plugin",
        "service",
    ]

    # Sessions, usage and runs never write it (last_reported moves on every write).
    before = hass.states.get(versions).last_reported
    await agent.update_session(state="working", current_tool="bash: ls")
    await agent.add_usage(cost=0.25, tokens_input=10)
    await agent.finish_run()
    await wait_for(
        hass, lambda: init_integration.runtime_data.tracker.usage.messages > 57
    )
    assert hass.states.get(versions).last_reported == before

    # The plugin's OpenCode quits: still listed, no longer named in the state.
    await agent.disconnect_instance(INSTANCE_ID)
    await wait_for(hass, lambda: hass.states.get(versions).state == "2.0.22")
    assert hass.states.get(versions).attributes["instances"] == [
        {"kind": "service", "version": "2.0.22", "connected": True},
        {"kind": "plugin", "version": "1.18.33", "connected": False},
    ]
    # A second disconnect of the same instance changes nothing.
    before = hass.states.get(versions).last_reported
    await agent.disconnect_instance(INSTANCE_ID)
    await agent.push("instance_disconnected", instance_id="unknown")
    await agent.update_session(state="idle")
    await wait_for(
        hass, lambda: init_integration.runtime_data.sessions[ROOT_ID].state == "idle"
    )
    assert hass.states.get(versions).last_reported == before

    # The service updates itself (2.0.23) and comes back; the plugin's instance owns
    # the root session, so it stays listed.
    await agent.disconnect_instance("service-1")
    await wait_for(hass, lambda: hass.states.get(versions).state == STATE_UNKNOWN)
    await agent.connect_instance(
        id="service-1", kind="service", opencode_version="2.0.23", directory=None
    )
    await wait_for(hass, lambda: hass.states.get(versions).state == "2.0.23")
    assert len(hass.states.get(versions).attributes["instances"]) == 2

    # The agent goes away: unavailable; back with its snapshot, as it reports.
    await agent.stop()
    await wait_for(hass, lambda: hass.states.get(versions).state == STATE_UNAVAILABLE)
    await agent.start()
    await wait_for(hass, lambda: hass.states.get(versions).state == "2.0.23")


async def test_opencode_versions_drop_instances_owning_nothing(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """A gone OpenCode that owns no session is dropped when another connects."""
    versions = entity_id(hass, "sensor", "opencode_versions")
    await agent.connect_instance(id="plugin-7-0", opencode_version="1.18.34")
    await agent.disconnect_instance("plugin-7-0")
    await wait_for(
        hass, lambda: len(hass.states.get(versions).attributes["instances"]) == 2
    )
    await agent.connect_instance(id="plugin-8-0", opencode_version="1.18.34")
    await wait_for(hass, lambda: hass.states.get(versions).state == "1.18.34, 1.18.33")
    assert [
        i["connected"] for i in hass.states.get(versions).attributes["instances"]
    ] == [True, True]


@pytest.mark.usefixtures("all_entities_enabled")
async def test_session_entities(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """A root session gets its entities; the child session gets none."""
    registry = er.async_get(hass)
    assert not [
        e for e in registry.entities.values() if CHILD_ID in (e.unique_id or "")
    ]
    state = _state(hass, "sensor", "state")
    assert state.state == "idle"
    assert state.attributes["options"] == [
        "idle",
        "working",
        "waiting_permission",
        "waiting_input",
        "error",
    ]
    assert state.attributes["friendly_name"] == "Fix the build State"
    assert _state(hass, "sensor", "model").state == "fake/fake-model"
    assert _state(hass, "sensor", "agent").state == "build"
    assert _state(hass, "sensor", "current_agent").state == STATE_UNKNOWN
    assert _state(hass, "sensor", "title").state == "Fix the build"
    assert _state(hass, "sensor", "permission").state == STATE_UNKNOWN
    tokens = _state(hass, "sensor", "tokens_input")
    assert tokens.state == "1800"
    assert tokens.attributes["state_class"] == "total_increasing"
    assert tokens.attributes["unit_of_measurement"] == "tokens"
    assert _state(hass, "sensor", "tokens_output").state == "400"
    assert _state(hass, "sensor", "cost").state == "0.02292"
    assert _state(hass, "sensor", "context_usage").state == "1.2"
    assert _state(hass, "sensor", "files_changed").state == "2"
    assert _state(hass, "sensor", "last_activity").state != STATE_UNKNOWN
    assert _state(hass, "binary_sensor", "permission_pending").state == STATE_OFF
    assert _state(hass, "binary_sensor", "working").state == STATE_OFF
    for key in ("hostname", "directory"):
        entry = registry.async_get(entity_id(hass, "sensor", key, ROOT_ID))
        assert entry.entity_category == "diagnostic"


@pytest.mark.usefixtures("all_entities_enabled")
async def test_session_states(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """Every state of a session is reflected, with the permission details."""
    await agent.update_session(
        state="working", current_agent="general", current_tool="bash: ls"
    )
    await wait_for(hass, lambda: _state(hass, "sensor", "state").state == "working")
    assert _state(hass, "binary_sensor", "working").state == STATE_ON
    assert _state(hass, "sensor", "current_agent").state == "general"
    assert _state(hass, "sensor", "current_tool").state == "bash: ls"

    await agent.update_session(
        state="waiting_permission",
        pending_permissions=[make_permission()],
    )
    await wait_for(
        hass, lambda: _state(hass, "sensor", "state").state == "waiting_permission"
    )
    permission = _state(hass, "sensor", "permission")
    assert permission.state == "bash: rm -rf build"
    assert permission.attributes["permission_id"] == "per_1"
    assert permission.attributes["key"] == "bash"
    assert permission.attributes["patterns"] == ["rm -rf build"]
    assert permission.attributes["always"] == ["rm *"]
    assert permission.attributes["permission_session_id"] == CHILD_ID
    assert _state(hass, "binary_sensor", "permission_pending").state == STATE_ON

    await agent.update_session(
        state="waiting_input",
        pending_permissions=[],
        question=make_question(),
    )
    await wait_for(
        hass, lambda: _state(hass, "sensor", "state").state == "waiting_input"
    )
    await agent.update_session(
        state="error",
        question=None,
        error={"name": "APIError", "message": "fake upstream failure 400"},
        context_limit=None,
    )
    await wait_for(hass, lambda: _state(hass, "sensor", "state").state == "error")
    assert _state(hass, "sensor", "context_usage").state == STATE_UNKNOWN


@pytest.mark.usefixtures("all_entities_enabled")
async def test_commands_and_patterns_not_recorded(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """Commands, patterns and questions are shown as attributes, never recorded."""
    await agent.update_session(state="waiting_permission")
    await agent.request_permission()
    await agent.ask_question()
    await wait_for(
        hass,
        lambda: (
            _state(hass, "event", "activity").attributes.get("event_type")
            == "question_asked"
        ),
    )
    permission = _state(hass, "sensor", "permission")
    # The pending permission says which patterns Approve always would allow.
    assert permission.attributes["always"] == ["rm *"]
    for state, shown in (
        (_state(hass, "sensor", "permission"), "rm -rf build"),
        (permission, "rm *"),
        (_state(hass, "event", "activity"), "Which database?"),
    ):
        assert shown in str(state.attributes)
        recorded = StateAttributes.shared_attrs_bytes_from_event(
            Event(EVENT_STATE_CHANGED, {"new_state": state}), None
        ).decode()
        assert shown not in recorded, (state.entity_id, recorded)


async def test_old_machine_cost_sum_is_removed(
    hass: HomeAssistant, agent: FakeAgent, config_entry: MockConfigEntry
) -> None:
    """The cost sum over tracked sessions (it dropped on eviction) leaves the registry."""
    registry = er.async_get(hass)
    config_entry.add_to_hass(hass)
    old = registry.async_get_or_create(
        "sensor",
        "opencode_lookout",
        f"{config_entry.unique_id}_tracked_cost",
        config_entry=config_entry,
    )
    assert await hass.config_entries.async_setup(config_entry.entry_id)
    await hass.async_block_till_done()
    assert registry.async_get(old.entity_id) is None
    assert hass.states.get(old.entity_id) is None
    await hass.config_entries.async_unload(config_entry.entry_id)


async def test_stale_session_leaves(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """A session the agent drops as stale (unavailable too long) loses its entities."""
    state = entity_id(hass, "sensor", "state", ROOT_ID)
    await agent.remove_session(ROOT_ID, reason="stale")
    runtime = init_integration.runtime_data
    await wait_for(hass, lambda: ROOT_ID not in runtime.sessions)
    assert er.async_get(hass).async_get(state) is None
    assert hass.states.get(state) is None
