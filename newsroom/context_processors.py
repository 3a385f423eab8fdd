import logging

from django.db import DatabaseError

from newsroom.caching import FragmentVersions
from newsroom.models import SiteSettings

logger = logging.getLogger(__name__)


def site(request):
    """Site settings on every page, from the cache. The 500 page (`without_database`) and
    pages rendered while the database fails take what the cache holds, else defaults."""
    if getattr(request, "without_database", False):
        return {"site": SiteSettings.from_cache()}
    try:
        return {"site": SiteSettings.load(request)}
    except DatabaseError:
        logger.warning("Site settings unavailable; the page shows the defaults", exc_info=True)
        return {"site": SiteSettings.from_cache()}


def cache_versions(request):
    """Versions for `{% cache %}` fragments: `{% cache 86400 "nav" cache_versions.all %}`."""
    return {"cache_versions": FragmentVersions(request)}
