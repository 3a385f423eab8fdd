"""What every counting endpoint (ad impressions and clicks, article reads) asks of a request.

Pages set no cookies, so reports carry no CSRF token: they are accepted from our own pages
only, and honest robots, which name themselves, are never counted.
"""

import functools
import re

from django.http import HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

# Crawlers, link previews, headless browsers and HTTP libraries.
_ROBOT = re.compile(
    r"bot|crawl|spider|slurp|preview|headless|facebookexternalhit|lighthouse|phantom"
    r"|python-requests|curl|wget|httpclient|scrapy|go-http-client",
    re.IGNORECASE,
)


def is_robot(request) -> bool:
    """A request without a User-Agent, or with one that names a robot."""
    agent = request.headers.get("User-Agent", "")
    return not agent or bool(_ROBOT.search(agent))


def is_same_site(request) -> bool:
    """The report comes from one of our own pages (browsers say where it comes from)."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in {"same-origin", "none"}:
        return False
    origin = request.headers.get("Origin")
    return not origin or origin == f"{request.scheme}://{request.get_host()}"


def beacon(view):
    """A counting endpoint that pages report to: POST only, never cached, and refused (403)
    unless the report comes from one of our own pages.

    Pages set no cookies, so there is no CSRF token to send with a report; the worst a
    forged one can do is count what loading the page would count. The view itself checks
    what it counts (a live ad, a published article)."""

    @csrf_exempt
    @require_POST
    @never_cache
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_same_site(request):
            return HttpResponseForbidden()
        return view(request, *args, **kwargs)

    return wrapper
