"""Edge Side Includes: boxes on many pages that change on their own, cached and banned apart.

The proxy announces that it assembles pages (deploy/varnish/default.vcl sends
`Surrogate-Capability: varnish="ESI/1.0"` with the reader requests it may cache). Then such
a box (the boxes below every article: "Neueste Artikel" and the others) is left in the page
as `<esi:include src="/_esi/…">`, and the proxy fills it in from its own cached copy of that
address, which carries only the box's page tags. Publishing an article bans that box once
instead of every page that shows it. Each include costs the proxy one more lookup on every
hit: one per page, not one per box.

Without such a proxy (runserver, the test client, a CDN that does not say so) every box is
rendered inline, as the same HTML.
"""

from urllib.parse import urlencode

from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_safe

SURROGATE_CONTROL = 'content="ESI/1.0"'


def wanted(request) -> bool:
    """Whether a box on this page is left to the proxy (never within a box itself)."""
    return (
        request is not None
        and not getattr(request, "_esi_fragment", False)
        and "ESI/1.0" in request.headers.get("Surrogate-Capability", "")
    )


def include(request, url_name: str, **params) -> str:
    """The include of the box served at `url_name` (with `params`, None left out), for a
    page that the proxy assembles (`wanted`)."""
    request._esi = True  # HttpCacheMiddleware tells the proxy to look for includes
    query = urlencode({name: value for name, value in params.items() if value is not None})
    return format_html(
        '<esi:include src="{}"/>', reverse(url_name) + ("?" if query else "") + query
    )


def fragment(render):
    """A view serving one box to the proxy: `render(request)` returns its HTML and records
    the box's page tags (newsroom.caching.add_cache_tags) on this request."""

    @require_safe
    def view(request):
        request._esi_fragment = True
        response = HttpResponse(render(request))
        # Part of pages, never a page of its own for search engines.
        response["X-Robots-Tag"] = "noindex"
        return response

    return view
