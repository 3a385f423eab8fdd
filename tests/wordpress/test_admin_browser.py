"""The admin screens of the WordPress import as journalists use them: the redirects, and the
article list filtered to what the import left incomplete. axe finds nothing on them."""

import pytest

from redirects.models import Redirect
from tests.browser import admin_login
from tests.quality import axe_violations

from .exports import export, item
from .test_import import run

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_redirects_and_the_incomplete_filter_are_accessible(
    live_server, page, journalist, tmp_path
):
    run(export(tmp_path, item(1, "", content="<p>Ein Text ohne Überschrift.</p>")))
    redirect = Redirect.objects.filter(article__isnull=False).first()
    admin_login(page, live_server.url, "redakteurin", "geheim-und-lang-123")
    screens = {
        "incomplete articles": "/admin/articles/article/?wordpress=unvollstaendig",
        "redirects": "/admin/redirects/redirect/",
        "a redirect": f"/admin/redirects/redirect/{redirect.pk}/change/",
        "imported items": "/admin/wordpress/importeditem/",
    }
    for name, url in screens.items():
        page.goto(live_server.url + url)
        assert page.locator("#content").is_visible(), name
        assert axe_violations(page) == [], name
    page.goto(live_server.url + screens["incomplete articles"])
    assert page.get_by_role("link", name="Ein Text ohne Überschrift.").count() == 1
