from newsroom.net import client_ip

from .services import current_ip


class AuditMiddleware:
    """Keeps the sender's address for the request's duration, for audit entries written
    where no request is passed (services, the admin's own log of changes and deletions)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            current_ip.reset(token)
