"""Writes with side effects: submitting, deciding, counting and purging ads."""

import logging
import random
import time
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_entry_create
from newsroom.limits import keyed_hash
from newsroom.net import sender_group

from . import emails
from .models import (
    STAT_SHARDS,
    Banner,
    BannerStat,
    DailyStat,
    JobAd,
    JobAdStat,
    SubmissionAttempt,
    ads_today,
)

logger = logging.getLogger(__name__)


class SubmissionLimitReached(Exception):
    """Too many submissions from one IP address or e-mail address within the window."""


def submission_attempt_check(*, ip: str, email: str) -> None:
    """Record a submission, then count: raise SubmissionLimitReached over the limit.

    Recording first, each statement committed at once (the views run in autocommit),
    means that concurrent requests in other worker processes see each other's rows, so
    two simultaneous submissions can never both slip under the limit.
    """
    now = timezone.now()
    since = now - timedelta(hours=settings.ADS_SUBMIT_LIMIT_WINDOW_HOURS)
    limits = []
    if ip:
        limits.append((keyed_hash("ip", sender_group(ip)), settings.ADS_SUBMIT_LIMIT_PER_IP))
    if email:
        limits.append((keyed_hash("email", email), settings.ADS_SUBMIT_LIMIT_PER_EMAIL))
    SubmissionAttempt.objects.bulk_create(
        [SubmissionAttempt(key=key, created_at=now) for key, _limit in limits]
    )
    for key, limit in limits:
        if SubmissionAttempt.objects.filter(key=key, created_at__gt=since).count() > limit:
            raise SubmissionLimitReached


def job_ad_submit(
    *,
    employer_name: str,
    title: str,
    place: str,
    teaser: str,
    description: str,
    first_day: date,
    last_day: date,
    contact_email: str,
    contact_name: str = "",
    contact_phone: str = "",
    apply_url: str = "",
    apply_email: str = "",
    employer_logo: UploadedFile | None = None,
    client_ip: str = "",
) -> JobAd:
    """Store an employer's ad as submitted and notify the ad staff and the employer."""
    submission_attempt_check(ip=client_ip, email=contact_email)
    ad = JobAd(
        employer_name=employer_name,
        title=title,
        place=place,
        teaser=teaser,
        description=description,
        first_day=first_day,
        last_day=last_day,
        contact_name=contact_name,
        contact_email=contact_email,
        contact_phone=contact_phone,
        apply_url=apply_url,
        apply_email=apply_email,
        status=JobAd.Status.SUBMITTED,
    )
    if employer_logo:
        ad.employer_logo = employer_logo
    ad.full_clean()
    with transaction.atomic():
        ad.save()
        transaction.on_commit(lambda: emails.send_submission_notices(ad))
    return ad


def _require_moderator(user: AbstractBaseUser) -> None:
    if not (user and user.is_active and user.has_perm("ads.moderate_jobad")):
        raise PermissionDenied(_("You may not approve or reject job ads."))


def _lock_submitted(ad: JobAd) -> JobAd:
    """Re-read the ad under a row lock: two moderators cannot decide it twice."""
    locked = JobAd.objects.select_for_update().get(pk=ad.pk)
    if locked.status != JobAd.Status.SUBMITTED:
        raise ValidationError(
            _("“%(ad)s” has already been decided (%(status)s).")
            % {"ad": locked, "status": locked.get_status_display()},
            code="already_decided",
        )
    return locked


def job_ad_approve(*, ad: JobAd, by: AbstractBaseUser) -> JobAd:
    """Approve a submitted ad: it goes live on its first day. The employer is told."""
    _require_moderator(by)
    with transaction.atomic():
        ad = _lock_submitted(ad)
        if ad.has_ended():
            raise ValidationError(
                _("The run of “%(ad)s” has already ended; it can only be rejected.") % {"ad": ad},
                code="ended",
            )
        ad.status = JobAd.Status.APPROVED
        ad.reviewed_by = by
        ad.reviewed_at = timezone.now()
        ad.rejection_reason = ""
        ad.full_clean()
        ad.save()
        audit_entry_create(action=Action.AD_APPROVE, actor=by, obj=ad)
        transaction.on_commit(lambda: emails.send_decision(ad))
    return ad


def job_ad_reject(*, ad: JobAd, by: AbstractBaseUser, reason: str) -> JobAd:
    """Reject a submitted ad with a reason, which is sent to the employer."""
    _require_moderator(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Please give a reason for the rejection."), code="no_reason")
    with transaction.atomic():
        ad = _lock_submitted(ad)
        ad.status = JobAd.Status.REJECTED
        ad.reviewed_by = by
        ad.reviewed_at = timezone.now()
        ad.rejection_reason = reason
        ad.full_clean()
        ad.save()
        audit_entry_create(action=Action.AD_REJECT, actor=by, obj=ad, detail=reason)
        transaction.on_commit(lambda: emails.send_decision(ad))
    return ad


def job_ad_contacts_purge(*, now: datetime | None = None) -> int:
    """Delete contact data of rejected and ended ads after the retention period.

    Also drops rate-limit rows older than their window. Returns the number of ads purged.
    """
    now = now or timezone.now()
    purged = JobAd.objects.contacts_due_for_purge(now).update(
        contact_name="", contact_email="", contact_phone="", contact_purged_at=now
    )
    SubmissionAttempt.objects.filter(
        created_at__lt=now - timedelta(hours=settings.ADS_SUBMIT_LIMIT_WINDOW_HOURS)
    ).delete()
    return purged


def _increment(model: type[DailyStat], ad_id: int, day: date, field: str) -> None:
    """Add one to one of today's rows of an ad: update in place, insert when it is new."""
    shard = random.randrange(STAT_SHARDS)
    rows = model.objects.filter(ad_id=ad_id, day=day, shard=shard)
    if rows.update(**{field: F(field) + 1}):
        return
    try:
        with transaction.atomic():
            model.objects.create(ad_id=ad_id, day=day, shard=shard, **{field: 1})
    except IntegrityError:
        # A concurrent request created the day's row first: the unique constraint made
        # our insert fail, and the row is there to be updated now.
        rows.update(**{field: F(field) + 1})


def ad_impressions_count(
    *, banner_ids: Iterable[int], job_ad_ids: Iterable[int], now: datetime | None = None
) -> int:
    """Count one impression for each live ad among the ids a page reported as shown."""
    banner_ids, job_ad_ids = set(banner_ids), set(job_ad_ids)
    live_banners = Banner.objects.live(now).filter(pk__in=banner_ids) if banner_ids else []
    live_jobs = JobAd.objects.live(now).filter(pk__in=job_ad_ids) if job_ad_ids else []
    day = ads_today(now)
    counted = 0
    for model, ids in (
        (BannerStat, [b.pk for b in live_banners]),
        (JobAdStat, [j.pk for j in live_jobs]),
    ):
        for ad_id in sorted(ids):  # a fixed order: concurrent requests lock rows alike
            _increment(model, ad_id, day, "impressions")
            counted += 1
    return counted


def impression_report_allowed(visitor: str, now: float | None = None) -> bool:
    """Whether a page's impression report from `visitor` (an IP address) counts: at most
    ADS_IMPRESSION_REPORTS_PER_MINUTE per minute, more than anyone reads pages, so a script
    posting reports cannot inflate impressions. Counted per IPv6 /64 like the submission
    limit (a script would otherwise rotate through its network's addresses). Only a keyed
    hash is kept, in the cache."""
    minute = int((time.time() if now is None else now) // 60)
    key = "ads:seen:" + keyed_hash(f"impressions{minute}", sender_group(visitor))
    if cache.add(key, 1, timeout=120):
        return True
    try:
        reports = cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.add(key, 1, timeout=120)
        return True
    return reports <= settings.ADS_IMPRESSION_REPORTS_PER_MINUTE


# A reader who clicks the same ad again within this time is counted once, so that
# reloading (or a script hammering the link from one address) does not inflate clicks.
CLICK_REPEAT_SECONDS = 30 * 60


def ad_click_count(*, ad: Banner | JobAd, visitor: str, now: datetime | None = None) -> bool:
    """Count a click on a live ad, once per visitor (an IP address; an IPv6 /64 is one)
    and ad within CLICK_REPEAT_SECONDS. Only a keyed hash is kept, in the cache. Returns
    True if counted."""
    model = BannerStat if isinstance(ad, Banner) else JobAdStat
    seen_key = "ads:click:" + keyed_hash(f"{model._meta.model_name}{ad.pk}", sender_group(visitor))
    if visitor and not cache.add(seen_key, True, timeout=CLICK_REPEAT_SECONDS):
        return False
    _increment(model, ad.pk, ads_today(now), "clicks")
    return True
