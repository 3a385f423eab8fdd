"""Bright Sky (https://brightsky.dev): the open data of the Deutscher Wetterdienst as JSON.

Free and without a key. Settings are read once, when the client is created; every
answer must be complete within the timeout and is retried a few times with growing
(capped) pauses, and it is checked field by field before anything leaves this module.
"""

import json
import logging
import math
import time
from datetime import date, datetime, timedelta
from http.client import HTTPException
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from django.conf import settings

from .providers import (
    CONDITIONS,
    ICONS,
    Alert,
    Conditions,
    Hour,
    ProviderError,
    WeatherProvider,
    check_station,
)

logger = logging.getLogger(__name__)

TIME_ZONE = "Europe/Berlin"
USER_AGENT = "Newsroom-Wetter/1.0 (local news portal; refresh every 15-30 min)"
MAX_ANSWER_BYTES = 5_000_000  # a week of hourly forecast is ~100 kB
MAX_PAUSE = 30.0  # seconds; caps the doubling pause between attempts whatever the settings


class BrightSkyClient(WeatherProvider):
    name = "brightsky"

    def __init__(
        self,
        *,
        base_url: str | None = None,
        timeout: float | None = None,
        retries: int | None = None,
        backoff: float | None = None,
    ) -> None:
        self.base_url = (base_url or settings.WEATHER_BASE_URL).rstrip("/")
        self.timeout = settings.WEATHER_TIMEOUT if timeout is None else timeout
        self.retries = settings.WEATHER_RETRIES if retries is None else retries
        self.backoff = settings.WEATHER_RETRY_BACKOFF if backoff is None else backoff
        # Set when a request failed every attempt: the rest of the run tries each request
        # once, so a service that is down costs seconds per place, not a minute.
        self.failing = False

    def current(self, *, latitude: float, longitude: float) -> Conditions:
        data = self._get("/current_weather", {"lat": latitude, "lon": longitude})
        weather = _field(data, "weather", dict)
        source_id = _field(weather, "source_id", int)
        sources = [s for s in _field(data, "sources", list) if isinstance(s, dict)]
        source = next((s for s in sources if s.get("id") == source_id), None)
        if source is None:
            raise ProviderError(f"no station listed for source_id {source_id}")
        return Conditions(
            observed_at=_datetime(weather, "timestamp"),
            temperature=_number(weather, "temperature", required=True),
            condition=_choice(weather, "condition", CONDITIONS),
            icon=_choice(weather, "icon", ICONS),
            wind_speed=_first_number(weather, "wind_speed_10", "wind_speed_30", "wind_speed_60"),
            wind_gust=_first_number(
                weather, "wind_gust_speed_10", "wind_gust_speed_30", "wind_gust_speed_60"
            ),
            wind_direction=_first_number(
                weather, "wind_direction_10", "wind_direction_30", "wind_direction_60"
            ),
            precipitation=_number(weather, "precipitation_60"),
            relative_humidity=_number(weather, "relative_humidity"),
            pressure=_number(weather, "pressure_msl"),
            station_name=_field(source, "station_name", str),
            station_distance_km=_number(source, "distance", required=True) / 1000,
        )

    def forecast(
        self, *, latitude: float, longitude: float, first_day: date, days: int
    ) -> list[Hour]:
        data = self._get(
            "/weather",
            {
                "lat": latitude,
                "lon": longitude,
                "date": first_day.isoformat(),
                "last_date": (first_day + timedelta(days=days)).isoformat(),
            },
        )
        for source in _field(data, "sources", list):
            distance = _number(source, "distance") if isinstance(source, dict) else None
            if distance is not None:
                check_station(str(source.get("station_name") or ""), distance / 1000)
        hours = []
        for record in _field(data, "weather", list):
            if not isinstance(record, dict):
                raise ProviderError("a forecast hour is not an object")
            hours.append(
                Hour(
                    time=_datetime(record, "timestamp"),
                    temperature=_number(record, "temperature"),
                    precipitation=_number(record, "precipitation"),
                    condition=_choice(record, "condition", CONDITIONS),
                    icon=_choice(record, "icon", ICONS),
                    wind_speed=_number(record, "wind_speed"),
                )
            )
        return hours

    def alerts(self, *, latitude: float, longitude: float) -> list[Alert]:
        data = self._get("/alerts", {"lat": latitude, "lon": longitude})
        alerts = []
        for item in _field(data, "alerts", list):
            if not isinstance(item, dict):
                raise ProviderError("a warning is not an object")
            if item.get("status") == "test":
                continue  # the DWD's test messages are no warnings for readers
            alerts.append(
                Alert(
                    id=str(item.get("alert_id") or _field(item, "id", int)),
                    severity=_field(item, "severity", str),
                    event=_text(item, "event_de"),
                    headline=_field(item, "headline_de", str),
                    description=_text(item, "description_de"),
                    instruction=_text(item, "instruction_de"),
                    onset=_datetime(item, "onset"),
                    expires=_datetime(item, "expires", required=False),
                )
            )
        return alerts

    def _get(self, path: str, params: dict[str, Any]) -> dict:
        """GET base_url + path as JSON; retries on timeouts, lost connections and 5xx."""
        url = f"{self.base_url}{path}?{urlencode({**params, 'tz': TIME_ZONE})}"
        request = Request(url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
        attempts = 1 if self.failing else self.retries + 1
        problem = ""
        for attempt in range(attempts):
            if attempt:
                time.sleep(min(self.backoff * 2 ** (attempt - 1), MAX_PAUSE))
            try:
                deadline = time.monotonic() + self.timeout
                with urlopen(request, timeout=self.timeout) as response:
                    body = _read(response, deadline)
                break
            except HTTPError as error:
                error.close()
                problem = f"HTTP {error.code}"
                if error.code < 500 and error.code != 429:
                    raise ProviderError(f"{path} answered {problem}") from None
            except TimeoutError:
                problem = f"no answer within {self.timeout:g} s"
            except URLError as error:
                if isinstance(error.reason, TimeoutError):
                    problem = f"no answer within {self.timeout:g} s"
                else:
                    problem = f"cannot connect ({error.reason})"
            except (HTTPException, OSError) as error:
                problem = f"connection failed ({error.__class__.__name__}: {error})"
            logger.debug("Bright Sky %s attempt %d/%d: %s", path, attempt + 1, attempts, problem)
        else:
            self.failing = True
            tries = f"after {attempts} attempts" if attempts > 1 else "one attempt, service down"
            raise ProviderError(f"{path}: {problem} ({tries})")
        self.failing = False
        try:
            data = json.loads(body, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError, RecursionError) as error:
            raise ProviderError(f"{path} answered malformed JSON ({error})") from None
        if not isinstance(data, dict):
            raise ProviderError(f"{path} answered JSON that is not an object")
        return data


def _read(response, deadline: float) -> bytes:
    """The body, refused when larger than MAX_ANSWER_BYTES or still arriving at `deadline`.

    The socket timeout bounds each single wait only: a server sending a byte now and
    then would otherwise hold the refresh for as long as it likes.
    """
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read1(64 * 1024):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise ProviderError(f"the answer is larger than {MAX_ANSWER_BYTES} bytes")
        if time.monotonic() > deadline:
            raise TimeoutError
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number")


# Field readers: each refuses a wrong type with a message naming the field.


def _field(data: dict, key: str, kind: type) -> Any:
    value = data.get(key)
    if value is None:
        raise ProviderError(f"field {key!r} is missing")
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ProviderError(f"field {key!r} is not a {kind.__name__}: {value!r}")
    return value


def _number(data: dict, key: str, *, required: bool = False) -> float | None:
    value = data.get(key)
    if value is None:
        if required:
            raise ProviderError(f"field {key!r} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProviderError(f"field {key!r} is not a number: {value!r}")
    try:
        number = float(value)
    except OverflowError:  # an integer with hundreds of digits
        number = math.inf
    if not math.isfinite(number):  # e.g. 1e999, which Python reads as infinity
        raise ProviderError(f"field {key!r} is not a finite number: {value!r:.40}")
    return number


def _first_number(data: dict, *keys: str) -> float | None:
    for key in keys:
        value = _number(data, key)
        if value is not None:
            return value
    return None


def _choice(data: dict, key: str, allowed: set[str]) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ProviderError(f"field {key!r} is not text: {value!r}")
    # A value Bright Sky adds later is shown without icon rather than refused.
    return value if value in allowed else None


def _text(data: dict, key: str) -> str:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise ProviderError(f"field {key!r} is not text: {value!r}")
    return value or ""


def _datetime(data: dict, key: str, *, required: bool = True) -> datetime | None:
    value = data.get(key)
    if value is None and not required:
        return None
    try:
        parsed = datetime.fromisoformat(_field(data, key, str))
    except ValueError:
        raise ProviderError(f"field {key!r} is not a date and time: {value!r}") from None
    if parsed.tzinfo is None:
        raise ProviderError(f"field {key!r} has no time zone: {value!r}")
    return parsed
