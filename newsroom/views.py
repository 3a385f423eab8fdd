from django.http import HttpResponse, HttpResponsePermanentRedirect, HttpResponseServerError
from django.shortcuts import get_object_or_404, render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import requires_csrf_token

from .models import Page


def page_detail(request, slug):
    page = get_object_or_404(Page.objects.published(), slug=slug)
    return render(request, "newsroom/page.html", {"page": page})


def favicon(request):
    # Browsers ask for /favicon.ico whatever the page says; answer without a 404 page.
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@cache_control(max_age=86400, public=True)
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    return HttpResponse(
        f"User-agent: *\nDisallow: /admin/\nDisallow: /anzeigen/\nSitemap: {sitemap}\n",
        content_type="text/plain",
    )


@requires_csrf_token
def server_error(request):
    """The 500 page in the portal's layout; falls back to plain text if that fails too."""
    try:
        return HttpResponseServerError(loader.render_to_string("500.html", request=request))
    except Exception:  # the error may be in what the layout needs (e.g. the database)
        return HttpResponseServerError(
            "<!doctype html><html lang=de><title>Serverfehler</title>"
            "<h1>Serverfehler</h1><p>Bitte versuchen Sie es später noch einmal.</p></html>"
        )
