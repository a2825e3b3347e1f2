"""Entity ids of session entities: ``<project>_<short id>_<key>``.

Fixed when an entity is registered, never from the title (OpenCode names new sessions
"New session - <timestamp>" until it has generated one). A session whose first event
carries no directory (one made by ``opencode import``, say) is registered under
``opencode``; its ids move to the project once it is known, unless the user renamed them.
"""

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.util import slugify

from .client import Session

# A session without a project directory (rare) still gets a readable id.
NO_PROJECT = "opencode"
SHORT_ID_LENGTH = 6


def session_object_id(session_id: str, project: str | None, key: str) -> str:
    """Return the object id of a session entity: <project>_<short id>_<key>."""
    short = session_id[-SHORT_ID_LENGTH:].lower()
    return slugify(f"{project or NO_PROJECT} {short} {key}")


@callback
def async_follow_project(
    hass: HomeAssistant, entry_id: str, server_id: str, session: Session
) -> None:
    """Move a session's entities registered without a project to the project's ids."""
    if not session.project:
        return
    registry = er.async_get(hass)
    prefix = f"{server_id}_{session.id}_"
    for entity in er.async_entries_for_config_entry(registry, entry_id):
        if not entity.unique_id.startswith(prefix):
            continue
        key = entity.unique_id.removeprefix(prefix)
        unset = f"{entity.domain}.{session_object_id(session.id, None, key)}"
        if entity.entity_id != unset:
            continue  # already the project's, or renamed by the user: theirs to keep
        new_id = registry.async_get_available_entity_id(
            entity.domain,
            session_object_id(session.id, session.project, key),
            current_entity_id=entity.entity_id,
        )
        if new_id != entity.entity_id:
            registry.async_update_entity(entity.entity_id, new_entity_id=new_id)
