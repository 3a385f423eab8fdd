import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from newsroom.beacons import beacon, is_robot
from newsroom.caching import ADS, cache_tags
from newsroom.net import client_ip
from newsroom.uploads import StorageFailed, storing_files
from newsroom.validators import validate_http_url

from .forms import JobAdSubmitForm
from .models import JOBS, Banner, JobAd
from .services import (
    SubmissionLimitReached,
    ad_click_count,
    ad_impressions_count,
    impression_report_allowed,
    job_ad_submit,
)

BOARD_PAGE_SIZE = 20
# At most this many ads per impression report: a board page shows five banners and its
# job ads, an article page five banners and the job box.
MAX_REPORTED_ADS = len(Banner.SLOT_SIZES) + BOARD_PAGE_SIZE


def click_visitor(request) -> str | None:
    """Who clicked, for counting a reader's repeated clicks once; None for robots (a crawler
    following every ad link once a day would otherwise add a click to each)."""
    if is_robot(request):
        return None
    return client_ip(request)


def job_posting_data(request, ad: JobAd) -> dict:
    organization = {"@type": "Organization", "name": ad.employer_name}
    if ad.employer_logo:
        organization["logo"] = request.build_absolute_uri(ad.employer_logo.url)
    return {
        "@context": "https://schema.org/",
        "@type": "JobPosting",
        "title": ad.title,
        "description": ad.description,
        "datePosted": ad.first_day.isoformat(),
        "validThrough": ad.valid_through.isoformat(),
        "hiringOrganization": organization,
        "jobLocation": {
            "@type": "Place",
            "address": {
                "@type": "PostalAddress",
                "addressLocality": ad.place,
                "addressCountry": "DE",
            },
        },
        "url": request.build_absolute_uri(ad.get_absolute_url()),
    }


def _gone(request, *, job: JobAd | None = None) -> HttpResponse:
    """410 Gone: the ad existed and has ended, which readers should be told plainly."""
    return render(request, "ads/ad_gone.html", {"ad": job}, status=410)


@cache_tags(ADS, JOBS)
def job_list(request):
    ads = JobAd.objects.for_board()
    places = sorted(set(JobAd.objects.live().values_list("place", flat=True)))
    place = request.GET.get("ort", "").strip()
    if place:
        ads = ads.filter(place=place)
    page = Paginator(ads, BOARD_PAGE_SIZE).get_page(request.GET.get("seite"))
    return render(
        request,
        "ads/job_list.html",
        {"page_obj": page, "places": places, "place": place},
    )


@cache_tags(ADS, JOBS)
def job_detail(request, pk: int, slug: str):
    ad = get_object_or_404(JobAd.objects.filter(status=JobAd.Status.APPROVED), pk=pk)
    if ad.has_ended():
        return _gone(request, job=ad)
    if not ad.is_running():
        raise Http404  # approved, but its run has not started yet
    if slug != ad.slug:
        return redirect(ad, permanent=True)
    return render(
        request,
        "ads/job_detail.html",
        {"ad": ad, "job_posting": job_posting_data(request, ad)},
    )


@never_cache  # carries a CSRF token: no shared cache may keep it
def job_submit(request):
    status = 200
    if request.method == "POST":
        form = JobAdSubmitForm(request.POST, request.FILES)
        if form.is_spam:
            return redirect("ads:job-submit-done")  # tell a bot nothing; store nothing
        if form.is_valid():
            try:
                with storing_files():
                    job_ad_submit(**form.service_kwargs(), client_ip=client_ip(request))
            except StorageFailed as failure:
                status = 503
                form.add_error(None, failure.message)
            except SubmissionLimitReached:
                status = 429
                form.add_error(
                    None,
                    _(
                        "You have submitted several ads within a short time. Please try again "
                        "tomorrow, or write to us if you want to book more ads."
                    ),
                )
            except ValidationError as error:
                status = 400
                form.add_error(None, error)
            else:
                return redirect("ads:job-submit-done")
        else:
            status = 400
    else:
        form = JobAdSubmitForm()
    return render(
        request,
        "ads/job_submit.html",
        {
            "form": form,
            "retention_days": settings.ADS_CONTACT_RETENTION_DAYS,
            "limit_hours": settings.ADS_SUBMIT_LIMIT_WINDOW_HOURS,
        },
        status=status,
    )


def job_submit_done(request):
    return render(request, "ads/job_submit_done.html")


@cache_tags(ADS, JOBS)
def ads_index(request):
    """/anzeigen/ itself: paid content is found in the job board."""
    return redirect("ads:job-list")


class AdRedirect(HttpResponseRedirect):
    # Job ads without an application link lead to the employer's e-mail address.
    allowed_schemes = ["http", "https", "mailto"]


def _redirect_to_stored(url: str) -> HttpResponse:
    """Lead to the ad's own stored address, re-checked here; never to a request value."""
    if not url.startswith("mailto:"):
        try:
            validate_http_url(url)
        except ValidationError as error:
            raise Http404 from error
    response = AdRedirect(url)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
@never_cache
def banner_click(request, pk: int):
    banner = get_object_or_404(Banner, pk=pk)
    if not banner.is_live():
        return _gone(request)
    if (visitor := click_visitor(request)) is not None:
        ad_click_count(ad=banner, visitor=visitor)
    return _redirect_to_stored(banner.target_url)


@require_GET
@never_cache
def job_apply(request, pk: int):
    ad = get_object_or_404(JobAd.objects.filter(status=JobAd.Status.APPROVED), pk=pk)
    if ad.has_ended():
        return _gone(request, job=ad)
    if not ad.is_running():
        raise Http404  # approved, but its run has not started yet
    if (visitor := click_visitor(request)) is not None:
        ad_click_count(ad=ad, visitor=visitor)
    return _redirect_to_stored(ad.apply_target)


_SHOWN = re.compile(r"^([bj])(\d{1,12})$")


@beacon
def ads_seen(request):
    """Count impressions a page reported with ads.js (see the comment there); only live
    ads are counted, never for robots, and only so many reports a minute per address."""
    visitor = click_visitor(request)
    if visitor is None or not impression_report_allowed(visitor):
        return HttpResponse(status=204)
    banner_ids, job_ids = set(), set()
    for token in request.POST.get("shown", "").split()[:MAX_REPORTED_ADS]:
        match = _SHOWN.match(token)
        if match:
            (banner_ids if match[1] == "b" else job_ids).add(int(match[2]))
    if banner_ids or job_ids:
        ad_impressions_count(banner_ids=banner_ids, job_ad_ids=job_ids)
    return HttpResponse(status=204)
