"""The plan entity: created with a session's first plan, read only, quiet otherwise."""

from common import entity_id, wait_for
from fake_agent import ROOT_ID, FakeAgent, make_plan
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.opencode_lookout.const import DOMAIN
from homeassistant.components.todo import DOMAIN as TODO_DOMAIN, TodoListEntityFeature
from homeassistant.const import ATTR_SUPPORTED_FEATURES, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceNotSupported
from homeassistant.helpers import entity_registry as er


def plan_id(hass: HomeAssistant, entry: MockConfigEntry) -> str | None:
    """Return the plan entity of the root session, if it is registered."""
    return er.async_get(hass).async_get_entity_id(
        TODO_DOMAIN, DOMAIN, f"{entry.unique_id}_{ROOT_ID}_plan"
    )


async def items(hass: HomeAssistant, entity: str) -> list[dict[str, str]]:
    """Return the list's items as the todo.get_items action reads them."""
    result = await hass.services.async_call(
        TODO_DOMAIN,
        "get_items",
        {"status": ["needs_action", "completed"]},
        target={"entity_id": entity},
        blocking=True,
        return_response=True,
    )
    listed: list[dict[str, str]] = result[entity]["items"]  # type: ignore[index,assignment]
    return listed


async def test_no_plan_no_entity(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """A session without a plan registers no plan entity and writes no state for it."""
    await agent.update_session(state="working")
    state = entity_id(hass, "sensor", "state", ROOT_ID)
    await wait_for(hass, lambda: hass.states.get(state).state == "working")
    assert plan_id(hass, init_integration) is None
    assert hass.states.async_entity_ids(TODO_DOMAIN) == []


async def test_plan_appears_and_follows_the_session(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """The first plan adds the entity; its state is the items left, cancelled left out."""
    await agent.update_session(
        **make_plan(
            ("Read the code", "completed"),
            ("Fix the bug", "in_progress"),
            ("Give up on the rewrite", "cancelled"),
            ("Run the tests", "pending"),
        )
    )
    await wait_for(hass, lambda: plan_id(hass, init_integration) is not None)
    entity = plan_id(hass, init_integration)
    assert entity is not None
    entry = er.async_get(hass).async_get(entity)
    assert entry is not None and entry.disabled_by is None
    state = hass.states.get(entity)
    assert state is not None
    assert state.state == "2"
    assert state.attributes[ATTR_SUPPORTED_FEATURES] == 0
    assert state.attributes["friendly_name"].endswith("Plan")
    assert [(i["summary"], i["status"]) for i in await items(hass, entity)] == [
        ("Read the code", "completed"),
        ("Fix the bug", "needs_action"),
        ("Run the tests", "needs_action"),
    ]
    await agent.update_session(
        **make_plan(("Read the code", "completed"), ("Fix the bug", "completed"))
    )
    await wait_for(hass, lambda: hass.states.get(entity).state == "0")
    # An emptied plan keeps the entity, with nothing left.
    await agent.update_session(**make_plan())
    await wait_for(hass, lambda: hass.states.get(entity).state == "2")
    await agent.update_session(todo=[], todo_done=0, todo_total=0)
    await wait_for(hass, lambda: hass.states.get(entity).state == "0")
    assert await items(hass, entity) == []
    await agent.update_session(available=False)
    await wait_for(hass, lambda: hass.states.get(entity).state == STATE_UNAVAILABLE)


async def test_plan_is_read_only(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """Nothing can be added, changed or removed from Home Assistant."""
    await agent.update_session(**make_plan())
    await wait_for(hass, lambda: plan_id(hass, init_integration) is not None)
    entity = plan_id(hass, init_integration)
    assert entity is not None
    assert not TodoListEntityFeature(
        hass.states.get(entity).attributes[ATTR_SUPPORTED_FEATURES]
    )
    for action, data in (
        ("add_item", {"item": "Deploy"}),
        ("update_item", {"item": "Run the tests", "status": "completed"}),
        ("remove_item", {"item": "Run the tests"}),
    ):
        with pytest.raises((HomeAssistantError, ServiceNotSupported)):
            await hass.services.async_call(
                TODO_DOMAIN, action, data, target={"entity_id": entity}, blocking=True
            )


async def test_unchanged_plan_writes_nothing(
    hass: HomeAssistant, init_integration: MockConfigEntry, agent: FakeAgent
) -> None:
    """Only a change of the items left writes a state; other session changes do not."""
    await agent.update_session(**make_plan(("a", "pending"), ("b", "pending")))
    await wait_for(hass, lambda: plan_id(hass, init_integration) is not None)
    entity = plan_id(hass, init_integration)
    assert entity is not None
    writes: list[str] = []
    hass.bus.async_listen(
        "state_changed",
        lambda e: (
            writes.append(e.data["entity_id"])
            if e.data["entity_id"] == entity
            else None
        ),
    )
    state = entity_id(hass, "sensor", "state", ROOT_ID)
    await agent.update_session(state="working", tokens_output=50)
    await wait_for(hass, lambda: hass.states.get(state).state == "working")
    assert writes == []
    await agent.update_session(**make_plan(("a", "completed"), ("b", "pending")))
    await wait_for(hass, lambda: hass.states.get(entity).state == "1")
    assert writes == [entity]
