from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from newsroom.validators import validate_single_line

from .providers import DWD_PROVIDERS, SEVERITIES, Alert, Conditions, Day


def max_age() -> timedelta:
    return timedelta(minutes=settings.WEATHER_MAX_AGE_MINUTES)


class PlaceQuerySet(models.QuerySet):
    def overdue(self, now: datetime | None = None):
        """Places whose last complete refresh is older than the site shows data for."""
        cutoff = (now or timezone.now()) - max_age()
        return self.filter(Q(last_success_at__isnull=True) | Q(last_success_at__lt=cutoff))

    def refresh_order(self):
        """Longest waiting first: places a run did not reach in time come first in the next."""
        return self.order_by(F("last_attempt_at").asc(nulls_first=True), "name")


class Place(models.Model):
    """A town or district with its own weather page; one of them is in the top bar."""

    name = models.CharField(
        _("name"),
        max_length=100,
        validators=[validate_single_line],
        help_text=_("The town or district as readers know it, e.g. “Dorsten”."),
    )
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        help_text=_("Part of the address of its weather page, e.g. “wulfen” in /wetter/wulfen/."),
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=7,
        decimal_places=4,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
        help_text=_(
            "North–south position in decimal degrees, e.g. 51.6604 for Dorsten. "
            "On most online maps a right-click on the town centre shows it."
        ),
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=7,
        decimal_places=4,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
        help_text=_("East–west position in decimal degrees, e.g. 6.9650 for Dorsten."),
    )
    is_default = models.BooleanField(
        _("default place"),
        default=False,
        help_text=_(
            "Shown in the top bar of every page and at /wetter/. Exactly one place is the "
            "default; to switch, use the action “Make default” in the list of places."
        ),
    )
    # Written only by the refresh (manage.py refresh_weather), shown in the admin.
    last_attempt_at = models.DateTimeField(_("last refresh attempt"), null=True, editable=False)
    last_success_at = models.DateTimeField(_("last successful refresh"), null=True, editable=False)
    last_error = models.TextField(_("last problem"), blank=True, editable=False)

    objects = PlaceQuerySet.as_manager()

    class Meta:
        ordering = ["-is_default", "name"]
        verbose_name = _("weather place")
        verbose_name_plural = _("weather places")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="weather_place_single_default",
                violation_error_message=_(
                    "Another place is already the default. Use the action “Make default” "
                    "in the list of places to switch."
                ),
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90)
                & Q(longitude__gte=-180, longitude__lte=180),
                name="weather_place_coordinates",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        if self.is_default:
            return reverse("weather:default")
        return reverse("weather:place", kwargs={"slug": self.slug})

    def clean(self):
        # The top bar needs a default place; the first place has to be it.
        if (
            not self.is_default
            and not Place.objects.filter(is_default=True).exclude(pk=self.pk).exists()
        ):
            raise ValidationError(
                {
                    "is_default": _(
                        "The top bar needs a default place. Tick “default place” here, "
                        "or first make another place the default."
                    )
                }
            )

    def is_overdue(self, now: datetime | None = None) -> bool:
        return (
            self.last_success_at is None
            or self.last_success_at < (now or timezone.now()) - max_age()
        )


class ReportQuerySet(models.QuerySet):
    def for_widget(self):
        """The default place's current conditions and warnings, with the place (one query)."""
        return self.filter(
            place__is_default=True, kind__in=[Report.Kind.CURRENT, Report.Kind.ALERTS]
        ).select_related("place")

    def for_teaser(self):
        """All the default place's reports, with the place (one query): also the forecast."""
        return self.filter(place__is_default=True).select_related("place")


class Report(models.Model):
    """The latest good answer of one kind for a place; replaced by each successful refresh."""

    class Kind(models.TextChoices):
        CURRENT = "current", _("current conditions")
        FORECAST = "forecast", _("forecast")
        ALERTS = "alerts", _("warnings")

    place = models.ForeignKey(
        Place, verbose_name=_("place"), on_delete=models.CASCADE, related_name="reports"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    provider = models.CharField(
        _("source"),
        max_length=20,
        help_text=_(
            "“brightsky”: Deutscher Wetterdienst via Bright Sky. “demo”: invented demo data."
        ),
    )
    data = models.JSONField(_("data"), blank=True)  # blank: "no warnings" is an empty list
    fetched_at = models.DateTimeField(_("fetched at"))
    as_of = models.DateTimeField(
        _("data as of"),
        help_text=_(
            "When the figures were measured (current conditions) or fetched (forecast, "
            "warnings). Older data is hidden on the site."
        ),
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["place", "kind"]
        verbose_name = _("weather report")
        verbose_name_plural = _("weather reports")
        constraints = [
            models.UniqueConstraint(fields=["place", "kind"], name="weather_report_one_per_kind")
        ]

    def __str__(self):
        return f"{self.place} – {self.get_kind_display()}"

    def is_fresh(self, now: datetime | None = None) -> bool:
        return self.as_of >= (now or timezone.now()) - max_age()

    @property
    def credits_dwd(self) -> bool:
        return self.provider in DWD_PROVIDERS

    @property
    def is_demo(self) -> bool:
        return self.provider == "demo"

    def conditions(self) -> Conditions:
        return Conditions.from_json(self.data)

    def days(self) -> list[Day]:
        return [Day.from_json(item) for item in self.data]

    def alerts(self) -> list[Alert]:
        return [Alert.from_json(item) for item in self.data]


class PlaceWeather:
    """What readers may see of a place's weather: only fresh data, only active warnings.

    Built from the place's reports without further queries; the widget and the page
    show whatever is here and decide nothing themselves.
    """

    def __init__(self, place: Place, reports, *, now: datetime | None = None):
        now = now or timezone.now()
        fresh = {r.kind: r for r in reports if r.is_fresh(now)}
        self.place = place
        self.current_report = fresh.get(Report.Kind.CURRENT)
        self.forecast_report = fresh.get(Report.Kind.FORECAST)
        self.alerts_report = fresh.get(Report.Kind.ALERTS)
        self.current = self.current_report.conditions() if self.current_report else None
        today = timezone.localdate(now)
        days = self.forecast_report.days() if self.forecast_report else []
        self.today = next((d for d in days if d.date == today), None)
        self.next_days = [d for d in days if d.date > today]
        alerts = self.alerts_report.alerts() if self.alerts_report else []
        self.alerts = sorted((a for a in alerts if a.is_active(now)), key=lambda a: a.onset)

    @property
    def _shown_reports(self) -> list[Report]:
        reports = [self.current_report, self.forecast_report, self.alerts_report]
        return [r for r in reports if r is not None]

    @property
    def is_demo(self) -> bool:
        return any(r.is_demo for r in self._shown_reports)

    @property
    def credits_dwd(self) -> bool:
        return any(r.credits_dwd for r in self._shown_reports)

    @property
    def alerts_known(self) -> bool:
        """False when the warnings could not be fetched lately: "none" would be a guess."""
        return self.alerts_report is not None

    @property
    def highest_severity(self) -> str:
        return max((a.severity for a in self.alerts), key=SEVERITIES.index, default="")
