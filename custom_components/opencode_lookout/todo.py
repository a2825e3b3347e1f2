"""The plan: a read-only to-do list per root session that has one.

OpenCode keeps a todo list per session (the agent's `todo`). The entity appears the first
time a session has a plan, so sessions that never make one register and write nothing
more. Its state is HA's count of items left; cancelled items are left out, as the
agent's progress (`todo_done`/`todo_total`) leaves them out. Nothing can be changed from
Home Assistant: the list is OpenCode's.
"""

from typing import override

from homeassistant.components.todo import (
    TodoItem,
    TodoItemStatus,
    TodoListEntity,
    TodoListEntityFeature,
)
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity import EntityDescription
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import TodoItem as PlanItem
from .entity import SessionEntity
from .models import OpenCodeLookoutConfigEntry

PARALLEL_UPDATES = 0

PLAN = EntityDescription(key="plan", translation_key="plan")


def todo_items(plan: list[PlanItem]) -> list[TodoItem]:
    """Return the plan as HA to-do items (cancelled ones left out)."""
    return [
        TodoItem(
            summary=item.content,
            uid=str(index),
            status=TodoItemStatus.COMPLETED
            if item.status == "completed"
            else TodoItemStatus.NEEDS_ACTION,
        )
        for index, item in enumerate(plan)
        if item.status != "cancelled"
    ]


async def async_setup_entry(
    hass: HomeAssistant,
    entry: OpenCodeLookoutConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a session's plan entity once the session has a plan."""
    data = entry.runtime_data
    added: set[str] = set()

    @callback
    def add_plans() -> None:
        """Add the plan entities of sessions that gained a plan."""
        added.intersection_update(data.sessions)
        new = [s.id for s in data.sessions.values() if s.has_plan and s.id not in added]
        if new:
            added.update(new)
            async_add_entities(SessionPlan(entry, PLAN, sid) for sid in new)

    add_plans()
    entry.async_on_unload(data.dispatcher.async_add_listener(add_plans))


class SessionPlan(SessionEntity, TodoListEntity):
    """The todo list of one root session, read only."""

    _attr_supported_features = TodoListEntityFeature(0)

    @property
    @override
    def todo_items(self) -> list[TodoItem] | None:
        """Return the session's plan."""
        if (session := self.session) is None:
            return None
        return todo_items(session.todo)
