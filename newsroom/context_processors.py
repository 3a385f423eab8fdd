from newsroom.models import SiteSettings


def site(request):
    """Site settings on every page, from the cache."""
    return {"site": SiteSettings.load()}
