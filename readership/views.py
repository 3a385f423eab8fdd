import re

from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from newsroom.beacons import is_robot, is_same_site

from .models import ArticleReads

_ARTICLE_ID = re.compile(r"^\d{1,12}$")


# Pages set no cookies, so there is no CSRF token to send with the report; the worst a
# forged report can do is count a read, as loading the page would. Reports from other
# sites are refused all the same, and only published articles are counted.
@csrf_exempt
@require_POST
@never_cache
def article_read(request):
    """Count one read that reads.js reported. Always 204 and no cookie, counted or not."""
    if not is_same_site(request):
        return HttpResponseForbidden()
    article_id = request.POST.get("article", "")
    if _ARTICLE_ID.match(article_id) and not is_robot(request):
        ArticleReads.objects.count_read(int(article_id))
    return HttpResponse(status=204)
