"""The weather provider interface and the data every provider must deliver.

A provider turns a place's coordinates into `Conditions`, hourly `Hour`s and `Alert`s.
Each provider lives in its own module (Bright Sky: `weather/client.py`, offline demo:
`weather/demo_client.py`) and raises `ProviderError` for anything it cannot deliver.
`check_*` below hold the plausibility rules shared by all providers: the service runs
them before anything is stored.
"""

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .display import SEVERITY_LABELS, compass, condition_label, icon_url

CONDITIONS = {"dry", "fog", "rain", "sleet", "snow", "hail", "thunderstorm"}
ICONS = {
    "clear-day",
    "clear-night",
    "partly-cloudy-day",
    "partly-cloudy-night",
    "cloudy",
    "fog",
    "wind",
    "rain",
    "sleet",
    "snow",
    "hail",
    "thunderstorm",
}
SEVERITIES = ["minor", "moderate", "severe", "extreme"]  # DWD warning levels 1-4

# Plausible ranges (units as Bright Sky's default "dwd" units: °C, km/h, mm, hPa, %).
TEMPERATURE_RANGE = (-60.0, 60.0)
WIND_RANGE = (0.0, 300.0)
PRECIPITATION_RANGE = (0.0, 200.0)
HUMIDITY_RANGE = (0.0, 100.0)
PRESSURE_RANGE = (850.0, 1100.0)


class ProviderError(Exception):
    """The provider gave no usable answer (unreachable, slow, HTTP error, malformed)."""


class ImplausibleData(ProviderError):
    """The answer arrived but cannot be the town's weather (absurd value, far station)."""


def _to_json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class _Record:
    """JSON round trip for the frozen dataclasses below (stored in Report.data)."""

    _datetimes: tuple[str, ...] = ()
    _dates: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {f.name: _to_json(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict):
        values = {}
        for f in fields(cls):
            value = data.get(f.name)
            if value is not None and f.name in cls._datetimes:
                value = datetime.fromisoformat(value)
            elif value is not None and f.name in cls._dates:
                value = date.fromisoformat(value)
            values[f.name] = value
        return cls(**values)


@dataclass(frozen=True)
class Conditions(_Record):
    """The latest observation at the station nearest to a place."""

    observed_at: datetime
    temperature: float  # °C
    condition: str | None
    icon: str | None
    wind_speed: float | None = None  # km/h, 10-minute mean
    wind_gust: float | None = None  # km/h
    wind_direction: float | None = None  # degrees, where the wind comes from
    precipitation: float | None = None  # mm in the last hour
    relative_humidity: float | None = None  # %
    pressure: float | None = None  # hPa at sea level
    station_name: str = ""
    station_distance_km: float | None = None

    _datetimes = ("observed_at",)

    @property
    def label(self) -> str:
        return condition_label(self.icon, self.condition)

    @property
    def icon_url(self) -> str:
        return icon_url(self.icon)

    @property
    def wind_from(self) -> str:
        return compass(self.wind_direction)


@dataclass(frozen=True)
class Hour(_Record):
    """One hour of the forecast."""

    time: datetime
    temperature: float | None
    precipitation: float | None
    condition: str | None
    icon: str | None
    wind_speed: float | None = None

    _datetimes = ("time",)


@dataclass(frozen=True)
class Day(_Record):
    """A day summarised from the hourly forecast (our own calculation)."""

    date: date
    temperature_max: float
    temperature_min: float
    precipitation: float  # mm, sum of the hours
    condition: str | None
    icon: str | None

    _dates = ("date",)

    @property
    def label(self) -> str:
        return condition_label(self.icon, self.condition)

    @property
    def icon_url(self) -> str:
        return icon_url(self.icon)


@dataclass(frozen=True)
class Alert(_Record):
    """An official warning, with the DWD's German texts kept exactly as issued."""

    id: str
    severity: str
    event: str
    headline: str
    description: str
    instruction: str
    onset: datetime
    expires: datetime | None

    _datetimes = ("onset", "expires")

    @property
    def severity_label(self) -> str:
        return str(SEVERITY_LABELS.get(self.severity, ""))

    def is_active(self, now: datetime) -> bool:
        """Not yet expired: current warnings and those starting later are both relevant."""
        return self.expires is None or self.expires > now


class WeatherProvider(ABC):
    """A source of weather data. `name` is stored with the data it delivered."""

    name: str = ""

    @abstractmethod
    def current(self, *, latitude: float, longitude: float) -> Conditions: ...

    @abstractmethod
    def forecast(
        self, *, latitude: float, longitude: float, first_day: date, days: int
    ) -> list[Hour]: ...

    @abstractmethod
    def alerts(self, *, latitude: float, longitude: float) -> list[Alert]: ...


# Only data from these providers may be credited to the Deutscher Wetterdienst.
DWD_PROVIDERS = {"brightsky"}


def get_provider(name: str | None = None) -> WeatherProvider:
    """The provider named in settings.WEATHER_PROVIDER (or `name`), ready to use."""
    from weather.client import BrightSkyClient
    from weather.demo_client import DemoProvider

    registry: dict[str, type[WeatherProvider]] = {
        BrightSkyClient.name: BrightSkyClient,
        DemoProvider.name: DemoProvider,
    }
    name = name or settings.WEATHER_PROVIDER
    try:
        return registry[name]()
    except KeyError:
        raise ImproperlyConfigured(
            f"WEATHER_PROVIDER={name!r} is unknown; use one of {sorted(registry)}."
        ) from None


# Plausibility: the same rules for every provider.


def _check_range(label: str, value: float | None, low: float, high: float) -> None:
    if value is None:
        return
    if not math.isfinite(value) or not low <= value <= high:
        raise ImplausibleData(f"{label} {value} is outside {low:g}..{high:g}")


def check_conditions(conditions: Conditions, *, now: datetime) -> None:
    _check_range("temperature", conditions.temperature, *TEMPERATURE_RANGE)
    _check_range("wind speed", conditions.wind_speed, *WIND_RANGE)
    _check_range("wind gust", conditions.wind_gust, *WIND_RANGE)
    _check_range("wind direction", conditions.wind_direction, 0, 360)
    _check_range("precipitation", conditions.precipitation, *PRECIPITATION_RANGE)
    _check_range("relative humidity", conditions.relative_humidity, *HUMIDITY_RANGE)
    _check_range("pressure", conditions.pressure, *PRESSURE_RANGE)
    check_station(conditions.station_name, conditions.station_distance_km)
    if conditions.observed_at > now + timedelta(hours=1):
        raise ImplausibleData(f"observation time {conditions.observed_at} is in the future")


def check_hours(hours: list[Hour]) -> None:
    if not hours:
        raise ImplausibleData("the forecast is empty")
    for hour in hours:
        _check_range(f"temperature at {hour.time}", hour.temperature, *TEMPERATURE_RANGE)
        _check_range(f"precipitation at {hour.time}", hour.precipitation, *PRECIPITATION_RANGE)
        _check_range(f"wind speed at {hour.time}", hour.wind_speed, *WIND_RANGE)


def check_station(station_name: str, distance_km: float | None) -> None:
    limit = settings.WEATHER_MAX_STATION_DISTANCE_KM
    if distance_km is not None and distance_km > limit:
        raise ImplausibleData(
            f"station {station_name or '(unnamed)'} is {distance_km:.0f} km away "
            f"(limit {limit:g} km)"
        )


def check_alerts(alerts: list[Alert]) -> None:
    for alert in alerts:
        if alert.severity not in SEVERITIES:
            raise ImplausibleData(f"warning {alert.id} has unknown severity {alert.severity!r}")
        if not alert.headline.strip():
            raise ImplausibleData(f"warning {alert.id} has no German headline")
        if alert.expires is not None and alert.expires < alert.onset:
            raise ImplausibleData(f"warning {alert.id} expires before it starts")
