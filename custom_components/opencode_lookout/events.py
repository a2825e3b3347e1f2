"""Details carried by the event entity and the opencode_lookout_event bus event."""

from __future__ import annotations

from typing import Any

from .client import Event, Permission, Question


def permission_attributes(permission: Permission) -> dict[str, Any]:
    """Return the automation-friendly fields of a permission request."""
    return {
        "permission_id": permission.id,
        "key": permission.permission,
        "title": permission.title,
        "patterns": permission.patterns,
        "always": permission.always,
        "permission_session_id": permission.session_id,
    }


def question_attributes(question: Question) -> dict[str, Any]:
    """Return the automation-friendly fields of a question request."""
    return {
        "question_id": question.id,
        "questions": [
            {"question": q.question, "header": q.header, "options": q.options}
            for q in question.questions
        ],
        "question_session_id": question.session_id,
    }


def permission_details(event: Event) -> dict[str, Any]:
    """Return the details of a permission_requested event."""
    raw = event.data.get("permission")
    if not isinstance(raw, dict) or "id" not in raw:
        return {"permission_session_id": event.session_id}
    return permission_attributes(Permission.from_dict(raw))


def question_details(event: Event) -> dict[str, Any]:
    """Return the details of a question_asked event."""
    raw = event.data.get("question")
    if not isinstance(raw, dict) or "id" not in raw:
        return {"question_session_id": event.session_id}
    return question_attributes(Question.from_dict(raw))
