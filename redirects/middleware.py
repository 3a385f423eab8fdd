from django.http import HttpResponsePermanentRedirect

from articles.invalidation import MISSING
from newsroom import caching

from .models import QUERY_KEYS, QUERY_PATHS, Redirect, old_path_key


class RedirectMiddleware:
    """Old addresses answer 301 to their new counterparts (models.Redirect).

    Looked up only where the site has nothing (a 404) and for WordPress's query-string
    addresses on the home page (`/?p=123`), so no other request costs a query. The answer
    is cached like a page (tag `list`; a change to a redirect ends it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path in QUERY_PATHS and any(key in request.GET for key in QUERY_KEYS):
            target = Redirect.objects.target_for(old_path_key(request.path, request.GET))
            if target:
                return self.redirect(request, target)
        response = self.get_response(request)
        if response.status_code == 404 and request.method in ("GET", "HEAD"):
            target = Redirect.objects.target_for(old_path_key(request.path))
            if target:
                return self.redirect(request, target)
        return response

    @staticmethod
    def redirect(request, target: str):
        caching.add_cache_tags(request, caching.LIST, MISSING)
        return HttpResponsePermanentRedirect(target)
