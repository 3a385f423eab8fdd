"""Who sent a request: one rule for the ads' limits and the login throttle."""

from django.conf import settings


def client_ip(request) -> str:
    """The sender's address; behind N trusted proxies, the Nth entry from the right of
    X-Forwarded-For (entries further left are whatever the sender wrote)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [p for p in forwarded if p]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")
