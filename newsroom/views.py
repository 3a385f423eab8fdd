import logging

from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.http import HttpResponse, HttpResponsePermanentRedirect, HttpResponseServerError
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import requires_csrf_token

from . import caching
from .caching import ALL, cache_tags
from .models import IMPRINT_SLUG, Page

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


@cache_control(max_age=86400, public=True)
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    # The index lists the news sitemap too; named here as well for crawlers that read only this.
    news = request.build_absolute_uri(reverse("sitemap-section", kwargs={"section": "news"}))
    return HttpResponse(
        "User-agent: *\nDisallow: /admin/\nDisallow: /anzeigen/\n"
        f"Sitemap: {sitemap}\nSitemap: {news}\n",
        content_type="text/plain",
    )


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
