"""Invented but plausible weather for the demo portal: no network, no DWD.

Figures follow the season and the time of day and change from day to day, computed
from the date alone, so every refresh of the same hour gives the same weather.
Stored with provider "demo", the site labels them "Demodaten" and never credits the DWD.
"""

import math
import random
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from .forecast import BERLIN
from .providers import Alert, Conditions, Hour, WeatherProvider

DAY_TYPES = ["clear", "partly", "cloudy", "cloudy", "rain", "fog"]


class DemoProvider(WeatherProvider):
    name = "demo"

    def current(self, *, latitude: float, longitude: float) -> Conditions:
        now = timezone.now().astimezone(BERLIN)
        observed_at = now.replace(minute=now.minute - now.minute % 10, second=0, microsecond=0)
        hour = self._hour(observed_at, latitude, longitude)
        return Conditions(
            observed_at=observed_at,
            temperature=hour.temperature,
            condition=hour.condition,
            icon=hour.icon,
            wind_speed=hour.wind_speed,
            wind_gust=round((hour.wind_speed or 0) * 1.8, 1),
            wind_direction=225.0,
            precipitation=hour.precipitation,
            relative_humidity=88.0 if hour.condition in {"rain", "fog"} else 76.0,
            pressure=1012.0,
            station_name="Demostation",
            station_distance_km=0.0,
        )

    def forecast(
        self, *, latitude: float, longitude: float, first_day: date, days: int
    ) -> list[Hour]:
        # Counted in UTC: local wall-clock hours would skip or repeat at the DST switch.
        start = datetime.combine(first_day, time(0), tzinfo=BERLIN).astimezone(UTC)
        end = datetime.combine(first_day + timedelta(days=days), time(0), tzinfo=BERLIN)
        hours = int((end - start).total_seconds() // 3600)
        return [self._hour(start + timedelta(hours=n), latitude, longitude) for n in range(hours)]

    def alerts(self, *, latitude: float, longitude: float) -> list[Alert]:
        # Always one mild warning, so the demo shows the badge and the warnings section.
        today = timezone.localdate()
        return [
            Alert(
                id=f"demo-{today.isoformat()}",
                severity="minor",
                event="WINDBÖEN",
                headline="Demowarnung vor Windböen",
                description=(
                    "Dies ist eine erfundene Warnung für die Demo. Es treten Windböen mit "
                    "Geschwindigkeiten um 55 km/h aus südwestlicher Richtung auf."
                ),
                instruction="",
                onset=datetime.combine(today, time(0), tzinfo=BERLIN),
                expires=datetime.combine(today + timedelta(days=1), time(6), tzinfo=BERLIN),
            )
        ]

    def _hour(self, moment: datetime, latitude: float, longitude: float) -> Hour:
        local = moment.astimezone(BERLIN)
        day = local.date()
        rng = random.Random(f"{day.isoformat()}:{latitude:.2f}:{longitude:.2f}")
        day_type = rng.choice(DAY_TYPES)
        # Seasonal mean (about 2 °C in January, 18 °C in July) plus the day's own mood.
        season = 10 - 8 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 15) / 365)
        mean = season + rng.uniform(-3, 3)
        hour = local.hour + local.minute / 60
        temperature = mean + 3.5 * math.sin(2 * math.pi * (hour - 9) / 24)  # warmest at 15h
        daylight = 8 <= local.hour < 17
        rain_from = rng.randrange(9, 17)
        raining = day_type == "rain" and rain_from <= local.hour < rain_from + 4
        foggy = day_type == "fog" and local.hour < 11
        if raining:
            condition, icon, precipitation = "rain", "rain", round(rng.uniform(0.2, 1.6), 1)
        elif foggy:
            condition, icon, precipitation = "fog", "fog", 0.0
        else:
            condition, precipitation = "dry", 0.0
            icon = {
                "clear": "clear-day" if daylight else "clear-night",
                "partly": "partly-cloudy-day" if daylight else "partly-cloudy-night",
            }.get(day_type, "cloudy")
        return Hour(
            time=local,
            temperature=round(temperature, 1),
            precipitation=precipitation,
            condition=condition,
            icon=icon,
            wind_speed=round(8 + rng.uniform(0, 12) + 3 * math.sin(hour / 3), 1),
        )
