"""Cron expressions and time zones of the schedules, checked when the configuration loads.

Kept apart from `observatory.schedule` (which reads the configuration) so that the
configuration can use them without importing what imports it.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from observatory.errors import ConfigError

_CRON_FIELDS = (("minute", 0, 59), ("hour", 0, 23), ("day of month", 1, 31),
                ("month", 1, 12), ("day of week", 0, 7))
_NAMES = {3: ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
              "dec"),
          4: ("sun", "mon", "tue", "wed", "thu", "fri", "sat")}
_ITEM = re.compile(r"^(\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:/([0-9]+))?$")


def check_cron(key: str, value: str) -> None:
    """A five-field cron expression (minute hour day-of-month month day-of-week), with
    numbers, ranges, steps, lists and month/day names; raises ConfigError naming the key."""
    fields = value.split()
    if len(fields) != 5:
        raise ConfigError(f"{key}: {value!r} is not a cron expression of five fields "
                          "(minute hour day-of-month month day-of-week)")
    for i, (field, (label, low, high)) in enumerate(zip(fields, _CRON_FIELDS, strict=True)):
        for item in field.lower().split(","):
            match = _ITEM.match(item)
            if not match or match.group(2) == "0":
                raise ConfigError(f"{key}: {field!r} is not a valid {label} field")
            bounds = [] if match.group(1) == "*" else match.group(1).split("-")
            for bound in bounds:
                number = (_NAMES[i].index(bound) + (1 if i == 3 else 0)
                          if bound in _NAMES.get(i, ()) else
                          int(bound) if bound.isdigit() else None)
                if number is None or not low <= number <= high:
                    raise ConfigError(f"{key}: {bound!r} is outside the {label} field "
                                      f"({low}-{high})")


def check_timezone(key: str, value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{key}: {value!r} is not an IANA time zone "
                          "(e.g. Africa/Casablanca)") from exc
