"""Paid content: sponsored job ads (moderated) and banners in fixed slots.

"Live" and "expired" are never stored: they follow from the run dates, read as calendar
days in Europe/Berlin, so an ad appears and disappears at midnight without a scheduled job.
"""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from newsroom.images import CleanImageField
from newsroom.sanitize import RichTextField
from newsroom.text import slugify_de
from newsroom.validators import validate_http_url, validate_single_line

# "(m/w/d)", "(w/m/d)", "m/w/x", "(gn)", "(all genders)", "(alle Geschlechter)", "(d/f/m)" ...
GENDER_NOTE = re.compile(
    r"\b[mwfdxi]\s*/\s*[mwfdxi](\s*/\s*[mwfdxi])?\b|\(\s*gn\*?\s*\)|all genders|"
    r"\b(divers|geschlechtsneutral|alle geschlechter)\b",
    re.IGNORECASE,
)
# Plain-text fields refuse markup outright: a clear message beats silently altered text.
_MARKUP = re.compile(r"<\s*[a-zA-Z/!?]")


def validate_plain_text(value: str) -> None:
    if value and _MARKUP.search(value):
        raise ValidationError(
            _("Please enter plain text without HTML tags (no “<” followed by a letter)."),
            code="markup",
        )


def ads_timezone() -> ZoneInfo:
    return ZoneInfo(settings.ADS_TIME_ZONE)


def ads_today(now: datetime | None = None) -> date:
    """Today's date in the portal's time zone: the unit of every run and every statistic."""
    return timezone.localtime(now or timezone.now(), ads_timezone()).date()


def end_of_day(day: date) -> datetime:
    """The last second of `day` in the portal's time zone (an ad's `validThrough`)."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=ads_timezone())


class RunQuerySet(models.QuerySet):
    """Reads shared by everything that runs from a first to a last day."""

    def running(self, now: datetime | None = None):
        today = ads_today(now)
        return self.filter(first_day__lte=today, last_day__gte=today)

    def ended(self, now: datetime | None = None):
        return self.filter(last_day__lt=ads_today(now))


class RunDates(models.Model):
    first_day = models.DateField(
        _("first day"), help_text=_("The ad is shown from 0:00 on this day (Berlin time).")
    )
    last_day = models.DateField(
        _("last day"),
        help_text=_(
            "The ad is shown until 23:59 on this day (Berlin time). May equal the first day."
        ),
    )

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        if self.first_day and self.last_day and self.first_day > self.last_day:
            raise ValidationError(
                {"last_day": _("The last day cannot be before the first day.")}, code="run_order"
            )

    def is_running(self, now: datetime | None = None) -> bool:
        today = ads_today(now)
        return self.first_day <= today <= self.last_day

    def has_ended(self, now: datetime | None = None) -> bool:
        return self.last_day < ads_today(now)


class JobAdQuerySet(RunQuerySet):
    def live(self, now: datetime | None = None):
        """What readers may see: approved and within the run dates."""
        return self.filter(status=JobAd.Status.APPROVED).running(now)

    def for_board(self, now: datetime | None = None):
        return self.live(now).order_by("-first_day", "-reviewed_at", "-pk")

    @staticmethod
    def moderation_queue_ordering() -> list:
        """Submitted ads first (oldest waiting first), then the rest, newest first."""
        waiting = models.Case(
            models.When(status=JobAd.Status.SUBMITTED, then=models.F("submitted_at")),
            default=None,
        )
        return [waiting.asc(nulls_last=True), "-submitted_at"]

    def moderation_queue(self):
        return self.order_by(*self.moderation_queue_ordering())

    def contacts_due_for_purge(self, now: datetime | None = None):
        """Rejected or ended ads whose contact data has been kept for the configured days."""
        now = now or timezone.now()
        days = settings.ADS_CONTACT_RETENTION_DAYS
        cutoff_day = ads_today(now) - timedelta(days=days)
        return self.filter(contact_purged_at__isnull=True).filter(
            Q(status=JobAd.Status.REJECTED, reviewed_at__lt=now - timedelta(days=days))
            | Q(last_day__lt=cutoff_day)
        )


# The page tag of everything that shows job ads (the board, an ad's page, the boxes):
# an employer's ad approved bans these, not every page with a banner (`ads`).
JOBS = "jobs"


def job_tag(pk) -> str:
    """The page tag of every page showing that job ad (the job boxes)."""
    return f"job-{pk}"


class JobAd(RunDates):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.SUBMITTED,
        editable=False,
        help_text=_("Changed only by approving or rejecting the ad."),
    )
    employer_name = models.CharField(
        _("employer"), max_length=120, validators=[validate_plain_text, validate_single_line]
    )
    employer_logo = CleanImageField(
        _("employer logo"),
        upload_to="ads/logos/",
        blank=True,
        width_field="logo_width",
        height_field="logo_height",
        renditions=(96, 192),  # shown at most 96 px wide; 192 for high-density screens
        help_text=_("JPEG, PNG, GIF or WebP; it is shown up to 96 pixels wide."),
    )
    logo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    logo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    title = models.CharField(
        _("job title"),
        max_length=150,
        validators=[validate_plain_text, validate_single_line],
        help_text=_("With a gender note, e.g. “Pflegefachkraft (m/w/d)”."),
    )
    place = models.CharField(
        _("place"),
        max_length=100,
        validators=[validate_plain_text, validate_single_line],
        help_text=_("Town or district where the job is, e.g. “Lindenau-Nord”."),
    )
    teaser = models.CharField(
        _("teaser"),
        max_length=300,
        validators=[validate_plain_text],
        help_text=_("One or two sentences for the “Unsere Empfehlung” box."),
    )
    description = RichTextField(
        _("description"),
        sanitize_profile="basic",
        config_name="basic",
        help_text=_("The full ad. Paragraphs, bold, italics, lists and links only."),
    )
    apply_url = models.URLField(
        _("application link"),
        max_length=500,
        blank=True,
        validators=[validate_http_url],
        help_text=_("Where readers apply: an http or https address."),
    )
    apply_email = models.EmailField(
        _("application e-mail"),
        blank=True,
        help_text=_("Used when there is no application link."),
    )
    # Contact details of whoever submitted the ad: never shown, deleted after the
    # retention period (see purge_ad_contacts).
    contact_name = models.CharField(
        _("contact person"),
        max_length=120,
        blank=True,
        validators=[validate_plain_text, validate_single_line],
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(
        _("contact phone"),
        max_length=40,
        blank=True,
        validators=[validate_plain_text, validate_single_line],
    )
    contact_purged_at = models.DateTimeField(
        _("contact data deleted on"), null=True, blank=True, editable=False
    )

    submitted_at = models.DateTimeField(_("submitted on"), default=timezone.now, editable=False)
    reviewed_at = models.DateTimeField(_("decided on"), null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    rejection_reason = models.TextField(
        _("reason for rejection"),
        blank=True,
        editable=False,
        help_text=_("Sent to the employer with the decision."),
    )

    objects = JobAdQuerySet.as_manager()

    class Meta:
        ordering = ["-first_day", "-pk"]
        verbose_name = _("job ad")
        verbose_name_plural = _("job ads")
        permissions = [("moderate_jobad", _("Can approve or reject job ads"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_day__lte=models.F("last_day")), name="jobad_run_order"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["submitted", "approved", "rejected"]),
                name="jobad_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="jobad_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(apply_url="", apply_email=""), name="jobad_has_apply_route"
            ),
        ]
        # The board reads approved ads that have not ended: last_day leads, so the range
        # covers current and future ads only, not every ad ever approved.
        indexes = [models.Index(fields=["status", "last_day", "first_day"], name="jobad_live_idx")]

    def __str__(self):
        return f"{self.employer_name}: {self.title}"

    def get_absolute_url(self):
        return reverse("ads:job-detail", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def slug(self) -> str:
        return slugify_de(self.title)[:80].strip("-") or "stelle"

    def clean(self):
        super().clean()
        if not self.apply_url and not self.apply_email:
            raise ValidationError(
                {"apply_url": _("Please give an application link or an application e-mail.")},
                code="no_apply_route",
            )

    @property
    def has_gender_note(self) -> bool:
        return bool(GENDER_NOTE.search(self.title or ""))

    def is_live(self, now: datetime | None = None) -> bool:
        return self.status == self.Status.APPROVED and self.is_running(now)

    def state_label(self, now: datetime | None = None) -> str:
        """Stored status plus what the run dates make of it, for moderators."""
        if self.status != self.Status.APPROVED:
            return self.get_status_display()
        if self.has_ended(now):
            return str(_("expired"))
        if self.is_running(now):
            return str(_("live"))
        return str(_("scheduled"))

    @property
    def logo_display_size(self) -> tuple[int, int]:
        """The logo scaled into a 96 × 96 box: width/height attributes reserve its space."""
        width, height = self.logo_width or 96, self.logo_height or 96
        scale = min(1, 96 / max(width, height))
        return max(1, round(width * scale)), max(1, round(height * scale))

    @property
    def apply_target(self) -> str:
        """The one address the click redirect may lead to."""
        return self.apply_url or f"mailto:{self.apply_email}"

    @property
    def valid_through(self) -> datetime:
        return end_of_day(self.last_day)


def _wrong_proportions(image, size: tuple[int, int]) -> tuple[int, int] | None:
    """The image's own size if its proportions differ from `size`'s by more than 3 %.
    No image, or a file that is no image (its field's validator reports that), passes."""
    if not image:
        return None
    try:
        width, height = image.width, image.height
    except (OSError, ValueError):
        return None
    if not width or not height:
        return None
    ratio = size[0] / size[1]
    return (width, height) if abs(width / height - ratio) > 0.03 * ratio else None


class BannerQuerySet(RunQuerySet):
    def live(self, now: datetime | None = None):
        return self.filter(is_active=True).running(now)


class Banner(RunDates):
    class Slot(models.TextChoices):
        LEADERBOARD = "leaderboard", _("Leaderboard (top of the page), 728 × 90, phones 320 × 50")
        HEADER = "header", _("Below the site header, 970 × 250, phones 320 × 100")
        SIDEBAR = "sidebar", _("Sidebar, 300 × 250, phones 300 × 250")
        ARTICLE = "article", _("Inside the article, 300 × 250, phones 300 × 250")
        FOOTER = "footer", _("Footer, 728 × 90, phones 320 × 50")

    # Each slot has one format per screen class, so that rotating banners never changes
    # the reserved space. Phones are screens below 40rem (see ads.css and _banner.html).
    SLOT_SIZES = {
        "leaderboard": (728, 90),
        "header": (970, 250),
        "sidebar": (300, 250),
        "article": (300, 250),
        "footer": (728, 90),
    }
    PHONE_SLOT_SIZES = {
        "leaderboard": (320, 50),
        "header": (320, 100),
        "sidebar": (300, 250),
        "article": (300, 250),
        "footer": (320, 50),
    }

    name = models.CharField(
        _("name"),
        max_length=120,
        validators=[validate_single_line],
        help_text=_("For the ad staff only, e.g. customer and campaign."),
    )
    slot = models.CharField(_("slot"), max_length=20, choices=Slot.choices)
    image = CleanImageField(
        _("image"),
        upload_to="ads/banners/",
        width_field="image_width",
        height_field="image_height",
        help_text=_(
            "JPEG, PNG, GIF or WebP in the slot's proportions (e.g. 728 × 90 or 1456 × 180 "
            "for the leaderboard)."
        ),
    )
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    phone_image = CleanImageField(
        _("phone image"),
        upload_to="ads/banners/",
        blank=True,
        width_field="phone_image_width",
        height_field="phone_image_height",
        help_text=_(
            "Optional: shown on phones (up to 639 px wide) instead of the image above; "
            "320 × 50 or 640 × 100 for the leaderboard and the footer, 320 × 100 or "
            "640 × 200 for the header, 300 × 250 or 600 × 500 in the sidebar and the article."
        ),
    )
    phone_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    phone_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    alt_text = models.CharField(
        _("alternative text"),
        max_length=200,
        validators=[validate_plain_text, validate_single_line],
        help_text=_("What the banner says, for readers who cannot see it."),
    )
    target_url = models.URLField(
        _("target address"),
        max_length=500,
        validators=[validate_http_url],
        help_text=_("Where a click leads: an http or https address."),
    )
    weight = models.PositiveSmallIntegerField(
        _("weight"),
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Share of rotation within the slot: weight 2 is shown twice as often as 1."),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Untick to pause the banner within its run.")
    )
    created_at = models.DateTimeField(_("created on"), auto_now_add=True)

    objects = BannerQuerySet.as_manager()

    class Meta:
        ordering = ["slot", "-first_day", "name"]
        verbose_name = _("banner")
        verbose_name_plural = _("banners")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_day__lte=models.F("last_day")), name="banner_run_order"
            ),
            models.CheckConstraint(
                condition=Q(slot__in=["leaderboard", "header", "sidebar", "article", "footer"]),
                name="banner_slot_valid",
            ),
            models.CheckConstraint(condition=Q(weight__gte=1), name="banner_weight_positive"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        self._check_proportions()

    def _check_proportions(self):
        if self.slot not in self.SLOT_SIZES:
            return
        (slot_w, slot_h), (phone_w, phone_h) = self.slot_size, self.phone_slot_size
        errors = {}
        if wrong := _wrong_proportions(self.image, self.slot_size):
            errors["image"] = _(
                "The image is %(width)s × %(height)s pixels; this slot needs the "
                "proportions of %(slot_w)s × %(slot_h)s."
            ) % {"width": wrong[0], "height": wrong[1], "slot_w": slot_w, "slot_h": slot_h}
        if wrong := _wrong_proportions(self.phone_image, self.phone_slot_size):
            # Names the desktop format too: the desktop banner uploaded twice is the likely slip.
            errors["phone_image"] = _(
                "The phone image is %(width)s × %(height)s pixels; on phones this slot needs "
                "the proportions of %(phone_w)s × %(phone_h)s (the image above: "
                "%(slot_w)s × %(slot_h)s)."
            ) % {
                "width": wrong[0],
                "height": wrong[1],
                "phone_w": phone_w,
                "phone_h": phone_h,
                "slot_w": slot_w,
                "slot_h": slot_h,
            }
        if errors:
            raise ValidationError(errors, code="proportions")

    @property
    def slot_size(self) -> tuple[int, int]:
        return self.SLOT_SIZES[self.slot]

    @property
    def phone_slot_size(self) -> tuple[int, int]:
        return self.PHONE_SLOT_SIZES[self.slot]

    def is_live(self, now: datetime | None = None) -> bool:
        return self.is_active and self.is_running(now)


# Each ad's counts of a day are spread over this many rows, picked at random per count:
# with a single row, every page view of the site showing that banner would queue for
# the same row lock. Readers add them up (DailyStatQuerySet.per_day).
STAT_SHARDS = 8


def click_rate(clicks: int, impressions: int) -> float | None:
    return clicks / impressions if impressions else None


class DailyStatQuerySet(models.QuerySet):
    def per_day(self):
        """One dict per day, newest first: day, impressions, clicks, click_rate."""
        rows = (
            self.values("day")
            .annotate(impressions=Sum("impressions"), clicks=Sum("clicks"))
            .order_by("-day")
        )
        return [row | {"click_rate": click_rate(row["clicks"], row["impressions"])} for row in rows]

    def totals(self) -> dict:
        totals = self.aggregate(impressions=Sum("impressions"), clicks=Sum("clicks"))
        impressions, clicks = totals["impressions"] or 0, totals["clicks"] or 0
        return {
            "impressions": impressions,
            "clicks": clicks,
            "click_rate": click_rate(clicks, impressions),
        }


class DailyStat(models.Model):
    """Counts of one ad on one day (in one of STAT_SHARDS rows), incremented in place."""

    day = models.DateField(_("day"))
    shard = models.PositiveSmallIntegerField(default=0, editable=False)
    impressions = models.PositiveIntegerField(_("impressions"), default=0)
    clicks = models.PositiveIntegerField(_("clicks"), default=0)

    objects = DailyStatQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-day"]


class JobAdStat(DailyStat):
    ad = models.ForeignKey(
        JobAd, verbose_name=_("job ad"), on_delete=models.CASCADE, related_name="stats"
    )

    class Meta(DailyStat.Meta):
        verbose_name = _("job ad statistic")
        verbose_name_plural = _("job ad statistics")
        constraints = [
            models.UniqueConstraint(fields=["ad", "day", "shard"], name="jobadstat_per_day")
        ]

    def __str__(self):
        return f"{self.ad_id} {self.day}"


class BannerStat(DailyStat):
    ad = models.ForeignKey(
        Banner, verbose_name=_("banner"), on_delete=models.CASCADE, related_name="stats"
    )

    class Meta(DailyStat.Meta):
        verbose_name = _("banner statistic")
        verbose_name_plural = _("banner statistics")
        constraints = [
            models.UniqueConstraint(fields=["ad", "day", "shard"], name="bannerstat_per_day")
        ]

    def __str__(self):
        return f"{self.ad_id} {self.day}"


class SubmissionAttempt(models.Model):
    """A submission by an IP address or e-mail address, for the rate limit.

    Stored in the database so the limit holds across all worker processes; only keyed
    hashes are kept, never the address itself, and rows older than the window are deleted.
    """

    key = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("submission attempt")
        verbose_name_plural = _("submission attempts")

    def __str__(self):
        return f"{self.key[:8]}… {self.created_at:%Y-%m-%d %H:%M}"
