from django.conf import settings

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
