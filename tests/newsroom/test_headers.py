"""Security headers: the Content-Security-Policy of reading pages and of the admin, and
Cross-Origin-Resource-Policy on every response (images under MEDIA_URL may be shown by
other sites; everything else is ours alone)."""

from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from tests.factories import ArticleFactory, ImageFactory

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    directives = [d.split() for d in response["Content-Security-Policy"].split(";")]
    return {name: values for name, *values in directives}


def test_reading_pages_load_only_from_the_site_and_are_not_embeddable(client):
    response = client.get(ArticleFactory().get_absolute_url())

    csp = policy(response)
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def test_lead_images_may_be_shown_by_other_sites_the_page_may_not(client):
    """Feed readers on the web and link previews show the image of the feed's enclosure
    and of og:image on their own pages: a same-origin policy would make browsers block it."""
    article = ArticleFactory(lead_image=ImageFactory())
    page = client.get(article.get_absolute_url())
    feed = client.get(reverse("feed"))
    og_image = lxml.html.fromstring(page.content).xpath("//meta[@property='og:image']/@content")
    enclosure = lxml.etree.fromstring(feed.content).xpath(
        "//atom:link[@rel='enclosure']/@href", namespaces={"atom": "http://www.w3.org/2005/Atom"}
    )
    for url in og_image + enclosure:
        image = client.get(urlsplit(url).path)  # made now: the rendition view answers
        assert image.status_code == 200 and image["Content-Type"].startswith("image/")
        assert image["Cross-Origin-Resource-Policy"] == "cross-origin"
        b"".join(image.streaming_content)
    assert len(og_image + enclosure) == 2
    assert page["Cross-Origin-Resource-Policy"] == feed["Cross-Origin-Resource-Policy"]
    assert page["Cross-Origin-Resource-Policy"] == "same-origin"


def test_the_admin_runs_only_the_sites_own_script_files(client, admin_client):
    for response in [client.get(reverse("admin:login")),
                     admin_client.get(reverse("admin:articles_article_add"))]:  # fmt: skip
        assert response.status_code == 200
        csp = policy(response)
        assert csp["script-src"] == ["'self'"]  # no inline script, no eval
        assert csp["style-src"] == ["'self'", "'unsafe-inline'"]  # CKEditor's inline styles
        assert csp["img-src"] == ["'self'", "data:", "blob:"]
        assert csp["object-src"] == ["'none'"]
        assert csp["base-uri"] == csp["form-action"] == csp["connect-src"] == ["'self'"]
        assert csp["frame-ancestors"] == ["'self'"]  # the ad moderation frames its preview
        assert response["Cross-Origin-Resource-Policy"] == "same-origin"


def test_answers_given_before_any_view_carry_the_headers_too(client):
    article = ArticleFactory()
    nul = client.get("/%00/")  # refused by a middleware
    first = client.get(article.get_absolute_url())
    not_modified = client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])

    assert (nul.status_code, not_modified.status_code) == (400, 304)
    for response in [nul, not_modified]:
        assert response["Cross-Origin-Resource-Policy"] == "same-origin"
        assert "Content-Security-Policy" in response


def inline_code(html: str) -> list[str]:
    """Scripts in the page itself, which the admin's policy would block."""
    tree = lxml.html.fromstring(html)
    found = []
    for script in tree.iter("script"):
        data_block = script.get("type") in {"application/json", "application/ld+json"}
        if not script.get("src") and not data_block:
            found.append(lxml.html.tostring(script, encoding="unicode")[:200])
    for element in tree.iter():
        for name, value in element.attrib.items():
            if name.startswith("on") or value.strip().lower().startswith("javascript:"):
                found.append(f"<{element.tag} {name}={value[:80]!r}>")
    return found


def test_no_admin_page_holds_inline_script(admin_client):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # every model gets rows
    pages = {reverse("admin:index")}
    for model in admin.site._registry:
        info = model._meta.app_label, model._meta.model_name
        pages |= {reverse("admin:{}_{}_changelist".format(*info)),
                  reverse("admin:{}_{}_add".format(*info))}  # fmt: skip
        if obj := model._default_manager.first():
            change = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
            pages.add(change)
            # Pages linked from a change form: history, versions, previews, deletion, ...
            html = admin_client.get(change).content.decode()
            for href in lxml.html.fromstring(html).xpath("//a/@href"):
                url = urljoin(change, href)
                if urlsplit(url).path.startswith("/admin/") and "logout" not in url:
                    pages.add(url)
    pages |= {reverse("admin:articles_article_changelist") + "?_popup=1",
              reverse("admin:images_image_add") + "?_popup=1"}  # fmt: skip

    checked = 0
    for url in sorted(pages):
        response = admin_client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        assert inline_code(response.content.decode()) == [], url
        checked += 1
    assert checked > 40
