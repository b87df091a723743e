"""Chinese working days, the unit of the statutory deadlines (requests, complaints, rectification)."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar


def is_workday(day: date) -> bool:
    """Chinese public holidays and adjusted working weekends (chinese-calendar); weekends only
    for years the package has no schedule for yet."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    current, added = start, 0
    while added < days:
        current += timedelta(days=1)
        added += is_workday(current)
    return current
