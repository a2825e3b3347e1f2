"""Repair issues: an agent speaking another schema, and a legacy plaintext pairing.

Also the repairs platform: the legacy-plaintext issue is fixed by re-pairing, which is
the entry's reauth flow (it takes the pairing string with the certificate fingerprint).
"""

from typing import Any, override

from homeassistant.components.repairs import (
    ConfirmRepairFlow,
    RepairsFlow,
    RepairsFlowResult,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from .client import IncompatibleSchema
from .const import DOMAIN, ISSUE_INCOMPATIBLE_SCHEMA, ISSUE_LEGACY_PLAINTEXT


def schema_issue_id(entry: ConfigEntry) -> str:
    """Return the id of the incompatible-schema repair issue of an entry."""
    return f"{ISSUE_INCOMPATIBLE_SCHEMA}_{entry.entry_id}"


def plaintext_issue_id(entry: ConfigEntry) -> str:
    """Return the id of the legacy-plaintext repair issue of an entry."""
    return f"{ISSUE_LEGACY_PLAINTEXT}_{entry.entry_id}"


@callback
def async_create_schema_issue(
    hass: HomeAssistant, entry: ConfigEntry, err: IncompatibleSchema
) -> None:
    """Raise the repair issue for an agent speaking an incompatible schema."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        schema_issue_id(entry),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_INCOMPATIBLE_SCHEMA,
        translation_placeholders={
            "title": entry.title,
            "schema": f"{err.min_schema}..{err.schema}",
            "client_schema": str(err.client_schema),
        },
    )


@callback
def async_delete_schema_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Clear the incompatible-schema repair issue of an entry."""
    ir.async_delete_issue(hass, DOMAIN, schema_issue_id(entry))


@callback
def async_create_plaintext_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Raise the issue of an entry paired before TLS: it must be paired again."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        plaintext_issue_id(entry),
        is_fixable=True,
        is_persistent=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=ISSUE_LEGACY_PLAINTEXT,
        translation_placeholders={"title": entry.title},
        data={"entry_id": entry.entry_id},
    )


@callback
def async_delete_plaintext_issue(hass: HomeAssistant, entry: ConfigEntry) -> None:
    """Clear the legacy-plaintext issue (the entry now pins a certificate)."""
    ir.async_delete_issue(hass, DOMAIN, plaintext_issue_id(entry))


class RepairFlow(ConfirmRepairFlow):
    """Confirm, then open the entry's re-pairing (reauth) flow."""

    def __init__(self, entry_id: str) -> None:
        """Remember the entry to re-pair."""
        super().__init__()
        self.entry_id = entry_id

    @override
    async def async_step_confirm(
        self, user_input: dict[str, str] | None = None
    ) -> RepairsFlowResult:
        """Start the reauth flow once the user confirms."""
        if user_input is not None and (
            entry := self.hass.config_entries.async_get_entry(self.entry_id)
        ):
            entry.async_start_reauth(self.hass)
        return await super().async_step_confirm(user_input)


async def async_create_fix_flow(
    hass: HomeAssistant, issue_id: str, data: dict[str, Any] | None
) -> RepairsFlow:
    """Return the fix flow of a fixable issue (only legacy_plaintext is)."""
    return RepairFlow(str((data or {}).get("entry_id", "")))
