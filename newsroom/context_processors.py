from newsroom.caching import FragmentVersions
from newsroom.models import SiteSettings


def site(request):
    """Site settings on every page, from the cache."""
    return {"site": SiteSettings.load(request)}


def cache_versions(request):
    """Versions for `{% cache %}` fragments: `{% cache 86400 "nav" cache_versions.all %}`."""
    return {"cache_versions": FragmentVersions(request)}
