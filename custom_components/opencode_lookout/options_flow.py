"""Options flow: who may steer, which sessions have devices, phone notifications."""

from typing import Any

import probatio

from homeassistant.config_entries import ConfigFlowResult, OptionsFlowWithReload
from homeassistant.data_entry_flow import section
from homeassistant.helpers import selector

from .const import (
    CONF_MAX_SESSION_DEVICES,
    CONF_NOTIFY,
    CONF_NOTIFY_DELAY,
    CONF_NOTIFY_MIN_DURATION,
    CONF_NOTIFY_TARGETS,
    CONF_SESSION_MAX_AGE_HOURS,
    CONF_STALE_DAYS,
    CONF_STEER_USERS,
    DEFAULT_MAX_SESSION_DEVICES,
    DEFAULT_SESSION_MAX_AGE_HOURS,
    NOTIFY_DEFAULTS,
)
from .notify.phones import is_companion, phone_owners

# Whole numbers (the number selector returns floats).
INTEGER_OPTIONS = (CONF_SESSION_MAX_AGE_HOURS, CONF_MAX_SESSION_DEVICES)

NOTIFY_DOMAIN = "notify"
# Entity-based notify.send_message takes no data (no actions, no tag).
EXCLUDED_SERVICES = {"send_message"}


def _number(maximum: int, unit: str | None, step: int = 1) -> selector.NumberSelector:
    """Return a box number selector (seconds may be 0, anything else starts at 1)."""
    config = selector.NumberSelectorConfig(
        min=0 if unit == "s" else 1,
        max=maximum,
        step=step,
        mode=selector.NumberSelectorMode.BOX,
    )
    if unit is not None:
        config["unit_of_measurement"] = unit
    return selector.NumberSelector(config)


def _normalize(targets: list[str]) -> list[str]:
    """Return notify service names as notify.<name>, without duplicates."""
    names = [t.strip().removeprefix(f"{NOTIFY_DOMAIN}.") for t in targets]
    return list(dict.fromkeys(f"{NOTIFY_DOMAIN}.{n}" for n in names if n))


class OpenCodeLookoutOptionsFlow(OptionsFlowWithReload):
    """Options of an entry; the entry reloads when they change."""

    def _notify_services(self, current: list[str]) -> list[str]:
        """Return the notify services, mobile app devices first."""
        names = set(self.hass.services.async_services_for_domain(NOTIFY_DOMAIN))
        services = _normalize(sorted(names - EXCLUDED_SERVICES))
        services.sort(key=lambda s: not s.startswith("notify.mobile_app_"))
        return services + [t for t in current if t not in services]

    async def _phones_of_non_steering_users(
        self, targets: list[str], steer_users: list[str]
    ) -> list[str]:
        """Return the app targets (with their owner) whose owner may not steer.

        Their buttons would only ever be refused: an actionable notification goes only
        to people who may answer it (administrators and the users allowed to steer).
        """
        refused: list[str] = []
        for target in targets:
            if not is_companion(target):
                continue
            for user_id in sorted(phone_owners(self.hass, target)):
                user = await self.hass.auth.async_get_user(user_id)
                if user is not None and not (user.is_admin or user_id in steer_users):
                    refused.append(f"{target} ({user.name or user_id})")
        return refused

    async def _users(self, current: list[str]) -> list[selector.SelectOptionDict]:
        """Return the people who can be allowed to steer (admins always may)."""
        users = [
            user
            for user in await self.hass.auth.async_get_users()
            if user.is_active and not user.system_generated
        ]
        users.sort(key=lambda user: (user.name or "").casefold())
        options = [
            selector.SelectOptionDict(value=user.id, label=user.name or user.id)
            for user in users
        ]
        known = {user.id for user in users}
        # A removed user stays listed, so that it can be unselected.
        return options + [
            selector.SelectOptionDict(value=uid, label=uid)
            for uid in current
            if uid not in known
        ]

    async def _schema(self, options: dict[str, Any]) -> probatio.Schema:
        """Return the form with the current values as defaults."""
        steer = list(options.get(CONF_STEER_USERS) or [])
        values = {**NOTIFY_DEFAULTS, **options}
        targets = list(options.get(CONF_NOTIFY_TARGETS) or [])
        notify: dict[probatio.Marker, Any] = {
            probatio.Optional(
                CONF_NOTIFY_TARGETS, description={"suggested_value": targets}
            ): selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=self._notify_services(targets),
                    multiple=True,
                    custom_value=True,
                    mode=selector.SelectSelectorMode.DROPDOWN,
                )
            ),
        }
        for key, value in NOTIFY_DEFAULTS.items():
            if isinstance(value, bool):
                notify[probatio.Required(key, default=values[key])] = (
                    selector.BooleanSelector()
                )
        notify[
            probatio.Required(
                CONF_NOTIFY_MIN_DURATION, default=values[CONF_NOTIFY_MIN_DURATION]
            )
        ] = _number(86400, "s")
        notify[
            probatio.Required(CONF_NOTIFY_DELAY, default=values[CONF_NOTIFY_DELAY])
        ] = _number(3600, "s")
        return probatio.Schema(
            {
                probatio.Optional(
                    CONF_STEER_USERS, description={"suggested_value": steer}
                ): selector.SelectSelector(
                    selector.SelectSelectorConfig(
                        options=await self._users(steer),
                        multiple=True,
                        mode=selector.SelectSelectorMode.DROPDOWN,
                    )
                ),
                probatio.Required(
                    CONF_SESSION_MAX_AGE_HOURS,
                    default=values.get(
                        CONF_SESSION_MAX_AGE_HOURS, DEFAULT_SESSION_MAX_AGE_HOURS
                    ),
                ): _number(24 * 365, "h"),
                probatio.Required(
                    CONF_MAX_SESSION_DEVICES,
                    default=values.get(
                        CONF_MAX_SESSION_DEVICES, DEFAULT_MAX_SESSION_DEVICES
                    ),
                ): _number(500, None),
                probatio.Optional(CONF_NOTIFY): section(
                    probatio.Schema(notify), {"collapsed": not targets}
                ),
            }
        )

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and store the options."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        options = dict(self.config_entry.options)
        if user_input is not None:
            options |= user_input
            options[CONF_STEER_USERS] = list(user_input.get(CONF_STEER_USERS) or [])
            # Replaced by the session age in hours.
            options.pop(CONF_STALE_DAYS, None)
            for key in INTEGER_OPTIONS:
                if key in user_input:
                    options[key] = int(user_input[key])
            if (notify := options.pop(CONF_NOTIFY, None)) is not None:
                options |= notify
                targets = _normalize(notify.get(CONF_NOTIFY_TARGETS) or [])
                options[CONF_NOTIFY_TARGETS] = targets
                for key in (CONF_NOTIFY_MIN_DURATION, CONF_NOTIFY_DELAY):
                    options[key] = int(options[key])
                missing = [
                    t
                    for t in targets
                    if not self.hass.services.has_service(
                        NOTIFY_DOMAIN, t.removeprefix("notify.")
                    )
                ]
                if missing:
                    errors["base"] = "unknown_notify_service"
                    placeholders["missing"] = ", ".join(missing)
                elif refused := await self._phones_of_non_steering_users(
                    targets, options[CONF_STEER_USERS]
                ):
                    errors["base"] = "phone_user_may_not_steer"
                    placeholders["phones"] = ", ".join(refused)
            if not errors:
                return self.async_create_entry(data=options)
        return self.async_show_form(
            step_id="init",
            data_schema=await self._schema(options),
            errors=errors,
            description_placeholders=placeholders,
        )
