"""Planning (issue 26): "Planen…" publishes at a chosen moment, "Offline nehmen am …" takes an
article off the site at its moment without any job running, and the week view shows the
editor on duty what goes live and what goes offline, day by day and section by section."""

import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import html as lxml_html

from articles.models import Article
from tests.articles.test_admin import change_form_data
from tests.articles.test_workflow import add_form, change_url
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory

pytestmark = pytest.mark.django_db

ADD = reverse("admin:articles_article_add")
PLANNING = reverse("admin:articles_article_planning")
BROWSER_PASSWORD = "lang-genug-und-geheim-123"


def local_input(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%dT%H:%M}"


def tomorrow_at(hour: int):
    tomorrow = timezone.localtime() + timedelta(days=1)
    return tomorrow.replace(hour=hour, minute=0, second=0, microsecond=0)


# --- Planen ------------------------------------------------------------------------------


def test_planen_publishes_at_the_chosen_moment_and_shows_the_week(editor):
    _user, cvd = editor
    town = CategoryFactory(name="Lindenau", slug="lindenau")
    traffic = CategoryFactory(name="Verkehr", slug="verkehr", parent=town)
    moment = tomorrow_at(6)
    data = add_form(traffic, AuthorFactory()) | {
        "_schedule": "Planen",
        "schedule_at": local_input(moment),
    }
    response = cvd.post(ADD, data, follow=True)
    article = Article.objects.get()
    assert (article.status, article.published_at) == ("published", moment)
    assert article.is_scheduled
    # The week view, with the article under tomorrow and its main section.
    assert response.redirect_chain[-1][0] == PLANNING
    page = response.content.decode()
    assert f"„{article.title}“ ist geplant" in page
    tree = lxml_html.fromstring(page)
    (day,) = tree.xpath(f"//section[@aria-labelledby='day-{moment:%Y-%m-%d}']")
    assert day.xpath("string(.//h3)") == "Lindenau"
    entry = day.xpath(".//li")[0]
    assert entry.xpath("string(.//time)") == "06:00"
    assert "erscheint" in entry.text_content()
    assert entry.xpath(".//a/@href") == [change_url(article)]


def test_a_moment_in_the_past_is_refused_and_nothing_is_lost(editor):
    _user, cvd = editor
    article = ArticleFactory(status=Article.Status.REVIEW, title="Neues Hallenbad")
    an_hour_ago = timezone.now() - timedelta(hours=1)
    data = change_form_data(cvd, article) | {
        "title": "Neues Hallenbad öffnet",
        "_schedule": "Planen",
        "schedule_at": local_input(an_hour_ago),
    }
    response = cvd.post(change_url(article), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "liegt in der Vergangenheit. Bitte wählen Sie einen Zeitpunkt in der Zukunft." in page
    tree = lxml_html.fromstring(page)
    # The panel is open with the moment as typed, the headline as changed.
    assert tree.xpath("//details[contains(@class, 'article-schedule')]/@open") == [""]
    assert tree.xpath("//input[@name='schedule_at']/@value") == [local_input(an_hour_ago)]
    assert tree.xpath("//input[@name='title']/@value") == ["Neues Hallenbad öffnet"]
    assert Article.objects.get().status == Article.Status.REVIEW


def test_planen_keeps_the_gates_before_publishing(editor):
    _user, cvd = editor
    article = ArticleFactory(status=Article.Status.REVIEW, lead="", authors=[])
    data = change_form_data(cvd, article) | {
        "_schedule": "Planen",
        "schedule_at": local_input(tomorrow_at(6)),
    }
    response = cvd.post(change_url(article), data)
    assert response.status_code == 200
    assert "einen Anreißer, mindestens eine Autorin oder einen Autor" in response.content.decode()
    assert Article.objects.get().status == Article.Status.REVIEW


def test_redaktion_cannot_plan_even_with_a_crafted_post(trainee):
    _user, redaktion = trainee
    article = ArticleFactory(status=Article.Status.REVIEW)
    page = redaktion.get(change_url(article)).content.decode()
    assert "Planen…" not in page and 'name="_schedule"' not in page
    data = change_form_data(redaktion, article) | {
        "_schedule": "Planen",
        "schedule_at": local_input(tomorrow_at(6)),
    }
    response = redaktion.post(change_url(article), data)
    assert response.status_code == 200
    assert "Planen ist Sache des Chefs vom Dienst." in response.content.decode()
    assert Article.objects.get().status == Article.Status.REVIEW


def test_the_panel_offers_quick_choices_for_the_editor_on_duty(editor):
    _user, cvd = editor
    tree = lxml_html.fromstring(cvd.get(ADD).content.decode())
    (panel,) = tree.xpath("//details[contains(@class, 'article-schedule')]")
    assert panel.xpath("string(summary)") == "Planen…"
    (field,) = panel.xpath(".//input[@name='schedule_at']")
    assert field.get("type") == "datetime-local"
    assert panel.xpath(f"string(.//label[@for='{field.get('id')}'])") == "Veröffentlichen am:"
    choices = dict(
        zip(
            panel.xpath(".//button/text()"), panel.xpath(".//button/@data-schedule-at"), strict=True
        )
    )
    assert choices["Morgen, 6:00"] == local_input(tomorrow_at(6))
    assert panel.xpath(".//input[@type='submit']/@name") == ["_schedule"]


# --- Offline nehmen am … -------------------------------------------------------------------


def test_an_expired_article_is_gone_for_readers_and_labelled_for_the_newsroom(editor, client):
    _user, cvd = editor
    town = CategoryFactory(name="Lindenau", slug="lindenau")
    gone = ArticleFactory(
        title="Stellenangebot Bauhof",
        category=town,
        tags=["Jobs"],
        expires_at=timezone.now() - timedelta(minutes=5),
    )
    stays = ArticleFactory(title="Neue Buslinie", category=town, tags=["Jobs"])
    for url in ("/", town.get_absolute_url(), "/thema/jobs/", "/feed/", "/sitemap-news.xml"):
        page = client.get(url).content.decode()
        assert stays.title in page and gone.title not in page, url
    section = client.get(f"/sitemap-articles-{gone.pk // 2000}.xml").content.decode()
    assert gone.slug not in section and stays.slug in section
    assert client.get(gone.get_absolute_url()).status_code == 404
    assert gone not in Article.objects.related_to(stays)
    # The newsroom still previews it, and the list says since when it is offline.
    assert "Vorschau (Offline seit" in cvd.get(gone.get_absolute_url()).content.decode()
    listing = cvd.get(reverse("admin:articles_article_changelist")).content.decode()
    moment = timezone.localtime(gone.expires_at)
    assert f"Offline seit {moment:%d.%m.%Y, %H:%M}" in listing


def test_the_list_says_when_a_live_article_goes_offline(editor):
    _user, cvd = editor
    end = timezone.now() + timedelta(days=2)
    ArticleFactory(expires_at=end)
    listing = cvd.get(reverse("admin:articles_article_changelist")).content.decode()
    assert f"Veröffentlicht (offline ab {timezone.localtime(end):%d.%m.%Y, %H:%M})" in listing


def test_going_offline_needs_a_moment_after_the_publication(editor):
    _user, cvd = editor
    article = ArticleFactory(status=Article.Status.REVIEW)
    published = timezone.now() + timedelta(days=1)
    data = change_form_data(cvd, article) | {
        "status": "published",
        "published_at_0": f"{timezone.localtime(published):%d.%m.%Y}",
        "published_at_1": f"{timezone.localtime(published):%H:%M:%S}",
        "expires_at_0": f"{timezone.localtime(published - timedelta(hours=2)):%d.%m.%Y}",
        "expires_at_1": f"{timezone.localtime(published - timedelta(hours=2)):%H:%M:%S}",
    }
    response = cvd.post(change_url(article), data)
    assert response.status_code == 200
    assert "kann erst nach seinem Veröffentlichungsdatum" in response.content.decode()
    assert Article.objects.get().status == Article.Status.REVIEW


def test_an_article_goes_offline_at_its_moment_without_any_job(client):
    """Readers' pages are cached (app cache, HTTP caching): the moment ends them as a
    scheduled publication does. A few seconds ahead, then a short wait."""
    town = CategoryFactory(name="Lindenau", slug="lindenau")
    end = timezone.now() + timedelta(seconds=4)
    article = ArticleFactory(title="Sperrung der Hauptstraße", category=town, expires_at=end)
    urls = ["/", "/feed/", "/sitemap-news.xml", f"/sitemap-articles-{article.pk // 2000}.xml"]
    for url in urls:
        assert article.slug in client.get(url).content.decode(), url
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    # No cache keeps the page past the moment.
    max_age = int(re.search(r"s-maxage=(\d+)", response["Cache-Control"]).group(1))
    assert max_age <= 4
    assert timezone.now() < end  # the pages above were read while it was online
    time.sleep((end - timezone.now()).total_seconds() + 0.1)
    for url in urls:
        assert article.slug not in client.get(url).content.decode(), url
    assert client.get(article.get_absolute_url()).status_code == 404


def test_the_next_change_is_the_earlier_of_a_publication_and_an_expiry():
    now = timezone.now()
    assert Article.objects.next_change_after(now) is None
    ArticleFactory(published_at=now + timedelta(hours=3))
    ArticleFactory(expires_at=now + timedelta(hours=1))
    ArticleFactory(status=Article.Status.DRAFT, expires_at=now + timedelta(minutes=5))
    ArticleFactory(expires_at=now - timedelta(hours=1))  # offline already
    assert Article.objects.next_change_after(now) == now + timedelta(hours=1)
    assert Article.objects.next_change_after(now + timedelta(hours=2)) == now + timedelta(hours=3)


# --- The week view ---------------------------------------------------------------------


def test_the_week_shows_each_day_by_section_with_a_constant_number_of_queries(editor):
    _user, cvd = editor
    town = CategoryFactory(name="Lindenau", slug="lindenau", position=1)
    sport = CategoryFactory(name="Sport", slug="sport", position=2)
    football = CategoryFactory(name="Fußball", slug="fussball", parent=sport)

    def plan(n):
        for i in range(n):
            ArticleFactory(category=football if i % 2 else town, published_at=tomorrow_at(6))
            ArticleFactory(category=town, expires_at=tomorrow_at(18) + timedelta(days=1))
        ArticleFactory(status=Article.Status.DRAFT, published_at=tomorrow_at(7))  # not planned

    def queries():
        cvd.get(PLANNING)
        with CaptureQueriesContext(connection) as captured:
            response = cvd.get(PLANNING)
        return len(captured), response

    plan(2)
    few, _response = queries()
    plan(20)
    many, response = queries()
    assert few == many
    tree = lxml_html.fromstring(response.content.decode())
    days = tree.xpath("//section[contains(@class, 'planning-day')]")
    assert len(days) == 7
    assert "(heute)" in days[0].xpath("string(h2)")
    tomorrow = days[1]
    assert tomorrow.xpath("h3/text()") == ["Lindenau", "Sport"]
    assert len(tomorrow.xpath(".//li")) == 22
    day_after = days[2]
    assert len(day_after.xpath(".//li[contains(., 'geht offline')]")) == 22
    assert "Nichts geplant." in days[3].text_content()


def test_the_week_pages_by_seven_days(editor):
    _user, cvd = editor
    in_a_fortnight = timezone.localtime() + timedelta(days=14)
    article = ArticleFactory(published_at=in_a_fortnight)
    start = in_a_fortnight.date() - timedelta(days=3)
    page = cvd.get(PLANNING, {"von": start.isoformat()}).content.decode()
    assert article.title in page
    tree = lxml_html.fromstring(page)
    links = tree.xpath("//nav[contains(@class, 'planning-nav')]//a/@href")
    assert f"?von={(start - timedelta(days=7)).isoformat()}" in links
    assert f"?von={(start + timedelta(days=7)).isoformat()}" in links
    assert article.title not in cvd.get(PLANNING).content.decode()
    # A broken date shows this week rather than an error.
    assert cvd.get(PLANNING, {"von": "morgen"}).status_code == 200
    assert cvd.get(PLANNING, {"von": "9999-12-30"}).status_code == 200  # no week after it
    assert cvd.get(PLANNING, {"von": "0001-01-02"}).status_code == 200  # nor one before


def test_the_week_needs_the_view_permission(django_user_model, client):
    user = django_user_model.objects.create_user("anzeigen", password="x", is_staff=True)
    client.force_login(user)
    assert client.get(PLANNING).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_article"))
    assert client.get(PLANNING).status_code == 200


def test_the_article_list_links_to_the_week(editor):
    _user, cvd = editor
    listing = cvd.get(reverse("admin:articles_article_changelist")).content.decode()
    assert f'href="{PLANNING}"' in listing and "Wochenplanung" in listing


# --- Saving again changes nothing unasked ----------------------------------------------


def selected_status(response) -> list[str]:
    tree = lxml_html.fromstring(response.content.decode())
    return tree.xpath("//select[@name='status']/option[@selected]/@value")


def test_a_refused_status_shows_the_stored_one_again(trainee):
    _user, redaktion = trainee
    article = ArticleFactory(status=Article.Status.REVIEW)
    data = change_form_data(redaktion, article) | {"status": "published"}
    response = redaktion.post(change_url(article), data)
    assert response.status_code == 200
    assert selected_status(response) == ["review"]
    # Saving the form as shown keeps the article in review.
    data = change_form_data(redaktion, article)
    assert redaktion.post(change_url(article), data).status_code == 302
    assert Article.objects.get().status == Article.Status.REVIEW


def test_failed_gates_keep_the_chosen_status_in_the_menu(editor):
    _user, cvd = editor
    article = ArticleFactory(status=Article.Status.REVIEW, lead="")
    data = change_form_data(cvd, article) | {"status": "published"}
    response = cvd.post(change_url(article), data)
    assert response.status_code == 200
    assert "einen Anreißer" in response.content.decode()
    assert selected_status(response) == ["published"]


def test_a_second_article_with_the_same_headline_gets_the_next_free_slug(editor):
    _user, cvd = editor
    category, author = CategoryFactory(), AuthorFactory()
    ArticleFactory(title="Stadtfest in Lindenau", slug="stadtfest-in-lindenau")
    ArticleFactory(title="Stadtfest in Lindenau", slug="stadtfest-in-lindenau-2")
    data = add_form(category, author, title="Stadtfest in Lindenau", slug="stadtfest-in-lindenau")
    assert cvd.post(ADD, data).status_code == 302
    assert Article.objects.filter(slug="stadtfest-in-lindenau-3").exists()
    # A slug typed on purpose that is taken is refused.
    data = add_form(category, author, title="Stadtfest", slug="stadtfest-in-lindenau-2")
    response = cvd.post(ADD, data)
    assert response.status_code == 200
    assert "existiert bereits" in response.content.decode()


# --- In the browser --------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_editor_on_duty_plans_an_article_for_tomorrow_morning(
    live_server, page, django_user_model, tmp_path
):
    from django.contrib.auth.models import Group
    from playwright.sync_api import expect

    from articles.groups import EDITOR_GROUP_NAME, ensure_groups
    from tests.browser import admin_login
    from tests.quality import axe_violations, html_errors

    ensure_groups(Group, Permission)  # a transactional test starts without the groups
    user = django_user_model.objects.create_user("miriam", password=BROWSER_PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=EDITOR_GROUP_NAME))
    town = CategoryFactory(name="Lindenau", slug="lindenau")
    article = ArticleFactory(
        title="Wochenmarkt zieht um", category=town, status=Article.Status.REVIEW
    )
    page.set_default_timeout(10_000)
    admin_login(page, live_server.url, "miriam", BROWSER_PASSWORD)
    page.goto(live_server.url + change_url(article))

    page.get_by_text("Planen…", exact=True).click()
    page.get_by_role("button", name="Morgen, 6:00").click()
    field = page.get_by_label("Veröffentlichen am:")
    expect(field).to_have_value(local_input(tomorrow_at(6)))
    expect(field).to_be_focused()
    # Checked with the panel open: the panel's markup in a page of its own for the Nu
    # checker (the rest of the form is Django's and other features').
    violations = [
        v
        for v in axe_violations(page)
        if not (v["id"] == "list" and "select2" in str(v["targets"]))
    ]
    assert violations == [], violations
    panel = page.locator(".article-schedule").evaluate("el => el.outerHTML")
    fragment = (
        '<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Planen</title>'
        f"</head><body><form>{panel}</form></body></html>"
    )
    page.get_by_role("button", name="Planen", exact=True).click()

    expect(page).to_have_url(live_server.url + PLANNING)
    expect(page.get_by_text("„Wochenmarkt zieht um“ ist geplant")).to_be_visible()
    day = page.locator(f"section[aria-labelledby='day-{tomorrow_at(6):%Y-%m-%d}']")
    expect(day.get_by_role("heading", name="Lindenau")).to_be_visible()
    entry = day.get_by_role("listitem").filter(has_text="Wochenmarkt zieht um")
    expect(entry).to_contain_text("06:00")
    expect(entry).to_contain_text("erscheint")
    assert axe_violations(page) == []
    errors = html_errors(
        {"planning": page.content().encode(), "panel": fragment.encode()}, tmp_path
    )
    assert errors == [], "\n".join(errors)
    entry.get_by_role("link", name="Wochenmarkt zieht um").click()
    expect(page.get_by_role("heading", name=re.compile("Geplant"))).to_be_visible()
    stored = Article.objects.get()
    assert stored.status == Article.Status.PUBLISHED and stored.published_at == tomorrow_at(6)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plans")
def test_the_moments_are_found_through_the_date_indexes_not_the_published_articles():
    """With `status = 'published'` SQLite would read every published article through the
    status index and sort them by expiry; the walks start at the moment instead."""
    from articles.planning import week

    ArticleFactory(expires_at=timezone.now() + timedelta(hours=1))
    with CaptureQueriesContext(connection) as captured:
        Article.objects.next_change_after(timezone.now())
        week(timezone.localdate())
    plans = []
    for query in captured.captured_queries:
        if "articles_article" in query["sql"]:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
                plans += [row[3] for row in cursor.fetchall()]
    assert any("expires_at" in step and "(expires_at>?" in step for step in plans), plans
    assert not [step for step in plans if step.endswith("(status=?)")], plans
