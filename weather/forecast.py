"""Days from the hourly forecast: highs, lows, precipitation sums, dominant conditions.

These are our own calculations from the DWD's figures, so the page credits them as
"Datenbasis: Deutscher Wetterdienst, eigene Berechnung".
"""

from collections import Counter, defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .providers import Day, Hour

BERLIN = ZoneInfo("Europe/Berlin")

# A day missing hours (the cut-off records at either end of the answer) would give a
# misleading high/low; 20 of 24 hours still allows for the 23-hour day in March.
MIN_HOURS_PER_DAY = 20
# Weather that marks a day even when it lasts only part of it, most notable first.
NOTABLE_CONDITIONS = ["thunderstorm", "hail", "snow", "sleet", "rain", "fog"]
NOTABLE_MIN_HOURS = 2
DAYTIME = range(6, 21)
DAY_ICON = {"clear-night": "clear-day", "partly-cloudy-night": "partly-cloudy-day"}


def summarize_days(hours: list[Hour]) -> list[Day]:
    """One Day per complete local (Berlin) calendar day, in order."""
    by_day: dict[date, list[tuple[datetime, Hour]]] = defaultdict(list)
    for hour in hours:
        local = hour.time.astimezone(BERLIN)
        by_day[local.date()].append((local, hour))
    days = []
    for day, entries in sorted(by_day.items()):
        temperatures = [h.temperature for _, h in entries if h.temperature is not None]
        if len(entries) < MIN_HOURS_PER_DAY or not temperatures:
            continue
        condition = _dominant_condition([h for _, h in entries])
        daytime = [h for local, h in entries if local.hour in DAYTIME] or [h for _, h in entries]
        days.append(
            Day(
                date=day,
                temperature_max=max(temperatures),
                temperature_min=min(temperatures),
                precipitation=round(sum(h.precipitation or 0 for _, h in entries), 1),
                condition=condition,
                icon=_day_icon(condition, daytime),
            )
        )
    return days


def _dominant_condition(hours: list[Hour]) -> str | None:
    counts = Counter(h.condition for h in hours if h.condition)
    for condition in NOTABLE_CONDITIONS:
        if counts[condition] >= NOTABLE_MIN_HOURS:
            return condition
    return "dry" if counts else None


def _day_icon(condition: str | None, daytime: list[Hour]) -> str | None:
    if condition in NOTABLE_CONDITIONS:
        return condition  # the icons share these names
    icons = Counter(
        DAY_ICON.get(h.icon, h.icon) for h in daytime if h.icon and h.icon not in NOTABLE_CONDITIONS
    )
    return icons.most_common(1)[0][0] if icons else None
