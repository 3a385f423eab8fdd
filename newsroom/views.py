import logging
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.core.exceptions import DisallowedHost
from django.http import (
    Http404,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import page_not_found

from articles.models import main_categories

from . import brand, caching
from .caching import ALL, cache_tags
from .models import IMPRINT_SLUG, Page, SiteSettings

logger = logging.getLogger(__name__)


def page_detail(request, slug):
    if slug == IMPRINT_SLUG:
        # The Impressum was a page here before it became part of the site settings.
        return redirect("newsroom:imprint", permanent=True)
    page = get_object_or_404(Page.objects.published(), slug=slug)
    return render(request, "newsroom/page.html", {"page": page})


@cache_tags(ALL)  # the site settings: every save of them makes all pages fresh
def imprint(request):
    """The Impressum (§ 5 DDG, § 18 (2) MStV) from the site settings (`site`)."""
    return render(request, "newsroom/imprint.html")


def favicon(request):
    # Browsers ask for /favicon.ico whatever the page says; answer without a 404 page.
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@cache_tags(ALL)  # the site settings and the categories
def brand_css(request):
    """The brand colours as a stylesheet (reading pages allow no inline styles). Linked by
    `{% brand_stylesheet %}` with the version of `all` in its address."""
    site = SiteSettings.load(request)
    css = brand.stylesheet(site.brand_color, main_categories(request))
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    if request.GET.get("v") == caching.version_key(request, ALL):
        # The address names the version shown: a change to the settings or the categories
        # gives the pages a new one, so this one may be kept for good.
        patch_cache_control(response, public=True, max_age=365 * 24 * 3600, immutable=True)
    return response


def _stored_fragment(name: str, *vary_on: str) -> str | None:
    """A `{% cache %}` fragment of the layout as an earlier page stored it, or None.
    (`name` as the template writes it: `{% cache … "nav" … %}` names the fragment `"nav"`.)"""
    try:
        version = caching.stored_version_key(caching.ALL)
        if version is None:
            return None
        fragment = cache.get(make_template_fragment_key(name, [version, *vary_on]))
    except Exception:  # the cache may be down too (Redis)
        logger.warning("Layout fragment %s unavailable from the cache", name, exc_info=True)
        return None
    return mark_safe(fragment) if fragment is not None else None  # rendered by our templates


def preview_not_found(request):
    """The 404 page as readers get it, for a look in debug (where Django shows its own)."""
    return page_not_found(request, Http404())


@requires_csrf_token
def server_error(request):
    """The 500 page in the portal's layout, rendered without the database (which may be
    what failed): site settings, navigation and footer links as the app cache holds them,
    else defaults (`without_database`); plain HTML if even that fails."""
    request.without_database = True  # read by the `site` context processor
    try:
        context = {
            "without_database": True,
            # The navigation as the home page shows it (no section marked).
            "cached_nav": _stored_fragment('"nav"', "") or "",
            "cached_footer_pages": _stored_fragment('"footer"')
            or loader.render_to_string("widgets/footer_pages.html"),
        }
        return HttpResponseServerError(loader.render_to_string("500.html", context, request))
    except Exception:  # a broken template or cache: the page must still say something
        logger.exception("The 500 page could not be rendered in the layout")
        return HttpResponseServerError(
            "<!doctype html><html lang=de><title>Serverfehler</title>"
            "<h1>Serverfehler</h1><p>Bitte versuchen Sie es später noch einmal.</p></html>"
        )


# Never written back into a page: secrets, and the token the refusal is about.
_NOT_RESENT = re.compile(r"password|otp|token|csrfmiddlewaretoken", re.IGNORECASE)
_JSON_VIEWS = {"articles:editor-upload"}  # CKEditor's upload adapter reads JSON only


def csrf_failure(request, reason=""):
    """A form refused for its CSRF token (opened before the last login, or long ago): instead
    of Django's bare 403 the page offers the typed text for sending again with a fresh token.

    Only for a request from one of our own pages (Origin or Referer): a forged cross-site
    request must not become a page that sends its data with a valid token on one click.
    """
    match = request.resolver_match
    if (match and match.view_name in _JSON_VIEWS) or "json" in request.headers.get("Accept", ""):
        message = _(
            "Your session has ended or the page is out of date. Log in again in a new tab "
            "(your text stays here), then try again."
        )
        # "csrf" tells the article form's script (admin/js/article_autosave.js) what failed.
        return JsonResponse({"error": {"message": message}, "csrf": True}, status=403)
    fields = [
        (name, value)
        for name, values in request.POST.lists()
        if not _NOT_RESENT.search(name)
        for value in values
    ]
    secret = any(_NOT_RESENT.search(name) for name in request.POST if name != "csrfmiddlewaretoken")
    in_admin = request.path.startswith(reverse("admin:index"))
    context = {
        **(admin.site.each_context(request) if in_admin else {}),
        "fields": fields,
        "resend": bool(fields) and not secret and _from_our_pages(request),
        "had_files": bool(request.FILES),
        "action": request.get_full_path(),
        "login_url": reverse("admin:login") if in_admin else "",
    }
    template = "admin/csrf_failure.html" if in_admin else "newsroom/csrf_failure.html"
    response = render(request, template, context, status=403)
    response["Cache-Control"] = "private, no-store"  # the page holds the typed text
    return response


def _from_our_pages(request) -> bool:
    origin = request.headers.get("Origin")
    if not origin or origin == "null":
        referer = urlsplit(request.headers.get("Referer", ""))
        origin = f"{referer.scheme}://{referer.netloc}" if referer.netloc else ""
    try:
        own = f"{request.scheme}://{request.get_host()}"
    except DisallowedHost:
        return False
    return bool(origin) and (origin == own or origin in settings.CSRF_TRUSTED_ORIGINS)
