"""Writes: refreshing a place's weather and choosing the default place."""

import logging
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connections, transaction
from django.db.models import F
from django.utils import timezone

from .forecast import summarize_days
from .models import Place, Report
from .providers import (
    ImplausibleData,
    ProviderError,
    WeatherProvider,
    check_alerts,
    check_conditions,
    check_hours,
    get_provider,
)

logger = logging.getLogger(__name__)

FORECAST_DAYS = 7  # today and six more days; Bright Sky forecasts about ten
# Log lines stay English whatever language is active (they are read by whoever runs cron).
LOG_NAMES = {"current": "current conditions", "forecast": "forecast", "alerts": "warnings"}


@dataclass
class RefreshResult:
    place: Place
    updated: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    # What the network part fetched and checked, stored by the thread that owns the database.
    fetched: dict[str, tuple[Any, datetime]] = field(default_factory=dict, repr=False)
    attempted_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass
class RunResult:
    results: list[RefreshResult] = field(default_factory=list)
    not_reached: list[Place] = field(default_factory=list)

    @property
    def failed(self) -> int:
        """Places not fully refreshed, those the time budget did not reach included."""
        return sum(not r.ok for r in self.results) + len(self.not_reached)


def weather_refresh(*, place: Place, provider: WeatherProvider | None = None) -> RefreshResult:
    """Fetch, check and store current conditions, forecast and warnings for one place.

    Each kind is stored only when its whole answer passed the checks; otherwise the last
    good data stays and one log line says why. Never call this while serving a reader.
    """
    provider = provider or get_provider()
    return _store_result(_fetch(place=place, provider=provider), provider=provider)


def weather_refresh_places(
    *, places: list[Place], provider: WeatherProvider, concurrency: int, budget: float
) -> RunResult:
    """Refresh `places`, `concurrency` at a time, for about `budget` seconds.

    After the budget no place is started and a running one asks nothing more once its
    current request (with its retries) ends. A slow service thus costs time per request,
    not per place in a row. Threads only
    fetch and check; the database is written here, in the calling thread. Places not
    reached keep their last data (the site shows it with its age) and are named in the log;
    the caller lists places longest waiting first, so they come first in the next run.
    """
    deadline = time.monotonic() + budget
    run = RunResult()
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="weather")
    pending = {
        pool.submit(_fetch_in_thread, place=place, provider=provider, deadline=deadline): place
        for place in places
    }
    try:
        while pending:
            remaining = deadline - time.monotonic()
            done, _ = wait(pending, timeout=max(remaining, 0), return_when=FIRST_COMPLETED)
            if not done:
                break
            for future in done:
                run.results.append(_result_of(future, pending.pop(future), provider=provider))
    finally:
        # Places not started are dropped; running ones end before their next request.
        pool.shutdown(wait=True, cancel_futures=True)
    for future, place in pending.items():
        if future.cancelled():
            run.not_reached.append(place)
        else:
            run.results.append(_result_of(future, place, provider=provider))
    if run.not_reached:
        logger.warning(
            "Weather: the time budget of %g s was used up; not reached, keeping their last "
            "data: %s",
            budget,
            ", ".join(place.name for place in run.not_reached),
        )
    return run


def _result_of(future: Future, place: Place, *, provider: WeatherProvider) -> RefreshResult:
    try:
        return _store_result(future.result(), provider=provider)
    except Exception:
        # A bug with one place's answer must not stop the others.
        logger.exception("Weather for %s: refresh crashed", place.name)
        return RefreshResult(place=place, failed={"crash": "refresh crashed, see the log"})


def _fetch_in_thread(**kwargs) -> RefreshResult:
    try:
        return _fetch(**kwargs)
    finally:
        connections.close_all()  # in case anything in the thread touched the database


def _fetch(
    *, place: Place, provider: WeatherProvider, deadline: float | None = None
) -> RefreshResult:
    """The network part of a refresh: fetch and check, no database access."""
    now = timezone.now()
    lat, lon = float(place.latitude), float(place.longitude)
    result = RefreshResult(place=place, attempted_at=now)

    def current() -> tuple[dict, datetime]:
        conditions = provider.current(latitude=lat, longitude=lon)
        check_conditions(conditions, now=now)
        return conditions.to_json(), conditions.observed_at

    def forecast() -> tuple[list, datetime]:
        hours = provider.forecast(
            latitude=lat, longitude=lon, first_day=timezone.localdate(now), days=FORECAST_DAYS
        )
        check_hours(hours)
        days = summarize_days(hours)
        if not days:
            raise ImplausibleData("the forecast holds no complete day")
        return [day.to_json() for day in days], timezone.now()

    def alerts() -> tuple[list, datetime]:
        alerts = provider.alerts(latitude=lat, longitude=lon)
        check_alerts(alerts)
        return [alert.to_json() for alert in alerts], timezone.now()

    steps: list[tuple[str, Callable[[], tuple]]] = [
        (Report.Kind.CURRENT, current),
        (Report.Kind.FORECAST, forecast),
        (Report.Kind.ALERTS, alerts),
    ]
    for kind, fetch in steps:
        try:
            if deadline is not None and time.monotonic() > deadline:
                raise ProviderError("not asked, the run's time budget was used up")
            result.fetched[kind] = fetch()
        except ProviderError as error:
            logger.warning(
                "Weather for %s: %s not updated, keeping the last good data (%s: %s)",
                place.name,
                LOG_NAMES[kind],
                provider.name,
                error,
            )
            result.failed[kind] = str(error)
    return result


def _store_result(result: RefreshResult, *, provider: WeatherProvider) -> RefreshResult:
    place = result.place
    for kind, (data, as_of) in result.fetched.items():
        _store(place=place, kind=kind, provider=provider.name, data=data, as_of=as_of)
        result.updated.append(kind)

    problems = "; ".join(f"{LOG_NAMES[k]}: {e}" for k, e in result.failed.items())
    # update() rather than save(): a journalist editing the place meanwhile keeps her edit.
    Place.objects.filter(pk=place.pk).update(
        last_attempt_at=result.attempted_at,
        last_success_at=result.attempted_at if result.ok else F("last_success_at"),
        last_error=problems,
    )
    place.refresh_from_db(fields=["last_attempt_at", "last_success_at", "last_error"])
    return result


def _store(*, place: Place, kind: str, provider: str, data, as_of: datetime) -> Report:
    report = Report.objects.filter(place=place, kind=kind).first() or Report(place=place, kind=kind)
    report.provider = provider
    report.data = data
    report.fetched_at = timezone.now()
    report.as_of = as_of
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def place_make_default(*, place: Place) -> Place:
    """Make `place` the one shown in the top bar and at /wetter/."""
    Place.objects.filter(is_default=True).exclude(pk=place.pk).update(is_default=False)
    place.is_default = True
    place.full_clean()
    place.save(update_fields=["is_default"])
    return place
