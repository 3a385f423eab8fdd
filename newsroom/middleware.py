from django.conf import settings
from django.core.exceptions import BadRequest

# Reading pages load nothing from other hosts; the policy makes the browser enforce that.
PUBLIC_CSP = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# The admin runs only scripts from our own static files (no inline script, no eval), so
# text pasted into an article cannot run there. CKEditor 5 sets inline styles while
# editing and shows pasted or uploaded images as data: and blob: addresses; the job ad
# moderation page frames the ad's preview, which is itself an admin page.
ADMIN_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
)


class SecurityHeadersMiddleware:
    """Headers for every response, so it sits above anything that answers early (static
    files, 304s, refusals)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # Not under DEBUG: Django's debug error pages rely on inline styles and scripts.
        if not settings.DEBUG:
            csp = ADMIN_CSP if request.path.startswith("/admin/") else PUBLIC_CSP
            response.headers.setdefault("Content-Security-Policy", csp)
        # Images under MEDIA_URL (renditions, uploads) are shown by other sites too: feed
        # readers and link previews embed the enclosure and og:image in their own pages.
        # Nothing else of ours (pages, scripts, styles) may be read or embedded elsewhere.
        shared = request.path.startswith(settings.MEDIA_URL)
        response.headers.setdefault(
            "Cross-Origin-Resource-Policy", "cross-origin" if shared else "same-origin"
        )
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        return response


class RejectNullCharactersMiddleware:
    """A NUL character in the address or the query string is a 400, not a server error.

    PostgreSQL refuses strings containing NUL, so any lookup with one (a category path,
    a search, a place) would otherwise end in a 500. No real link contains one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or "\x00" in value
            for key, values in request.GET.lists()
            for value in values
        ):
            raise BadRequest("NUL character in the request address")
        return self.get_response(request)
