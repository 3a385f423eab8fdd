import re

from django.http import HttpResponse

from newsroom.beacons import beacon, is_robot
from newsroom.net import client_ip

from .models import ArticleReads

_ARTICLE_ID = re.compile(r"^\d{1,12}$")


@beacon
def article_read(request):
    """Count one read that reads.js reported (once per address and article within
    READ_REPEAT_MINUTES). Always 204 and no cookie, counted or not."""
    article_id = request.POST.get("article", "")
    if _ARTICLE_ID.match(article_id) and not is_robot(request):
        ArticleReads.objects.count_read(int(article_id), reader=client_ip(request))
    return HttpResponse(status=204)
