"""Writes: refreshing a place's weather and choosing the default place."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
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

    @property
    def ok(self) -> bool:
        return not self.failed


def weather_refresh(*, place: Place, provider: WeatherProvider | None = None) -> RefreshResult:
    """Fetch, check and store current conditions, forecast and warnings for one place.

    Each kind is stored only when its whole answer passed the checks; otherwise the last
    good data stays and one log line says why. Never call this while serving a reader.
    """
    provider = provider or get_provider()
    now = timezone.now()
    lat, lon = float(place.latitude), float(place.longitude)
    result = RefreshResult(place=place)

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
            data, as_of = fetch()
        except ProviderError as error:
            logger.warning(
                "Weather for %s: %s not updated, keeping the last good data (%s: %s)",
                place.name,
                LOG_NAMES[kind],
                provider.name,
                error,
            )
            result.failed[kind] = str(error)
            continue
        _store(place=place, kind=kind, provider=provider.name, data=data, as_of=as_of)
        result.updated.append(kind)

    problems = "; ".join(f"{LOG_NAMES[k]}: {e}" for k, e in result.failed.items())
    # update() rather than save(): a journalist editing the place meanwhile keeps her edit.
    Place.objects.filter(pk=place.pk).update(
        last_attempt_at=now,
        last_success_at=now if result.ok else F("last_success_at"),
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
