from django.conf import settings
from django.core.exceptions import BadRequest

# Reading pages load nothing from other hosts; the policy makes the browser enforce that.
# The admin is left out: CKEditor 5 sets inline styles while editing.
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


# Not under DEBUG: Django's debug error pages rely on inline styles and scripts.
class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/admin/") and not settings.DEBUG:
            response.headers.setdefault("Content-Security-Policy", PUBLIC_CSP)
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
