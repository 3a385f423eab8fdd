"""The admin screens journalists use, at a desktop and a phone width: axe (WCAG 2.2 A/AA)
finds nothing, the Nu checker no error, nothing scrolls sideways on the phone, and every
control of the article form shows a focus ring of at least 2 px when reached by keyboard."""

import json

import pytest
import reversion
from django.contrib.auth.models import Group, Permission
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import Page

from articles import workflow
from articles.groups import GROUP_NAME, ensure_groups
from articles.models import Article, PendingChange
from articles.presence import mark_present
from tests.ads.factories import JobAdFactory
from tests.browser import admin_login
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory, ImageFactory
from tests.quality import axe_violations, html_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "lang-genug-und-geheim-123"
WIDTHS = (1280, 390)  # a desktop and a phone

# The focused element's ring in px: the wider of its outline and its box-shadows' spread
# (computed shadows read "rgb(…) x y blur spread").
FOCUS_RING = """el => {
  const style = getComputedStyle(el);
  const outline = style.outlineStyle === "none" ? 0 : parseFloat(style.outlineWidth);
  const spreads = [...style.boxShadow.matchAll(/(?:-?[\\d.]+px ){3}(-?[\\d.]+)px/g)]
    .map(m => parseFloat(m[1]));
  return Math.max(outline, ...spreads, 0);
}"""


@pytest.fixture
def newsroom(django_user_model):
    """A superuser, a Redaktion member and something on every screen: an article with two
    versions, a correction waiting and a colleague at work on it, articles in review, a
    library image, a submitted job ad."""
    ensure_groups(Group, Permission)  # a transactional test starts without the groups
    admin = django_user_model.objects.create_superuser("chefin", password=PASSWORD)
    writer = django_user_model.objects.create_user("selin", password=PASSWORD, is_staff=True)
    writer.groups.add(Group.objects.get(name=GROUP_NAME))
    town = CategoryFactory(name="Lindenau", slug="lindenau")
    author = AuthorFactory(name="Paula Rehberg")
    article = ArticleFactory(
        title="Rat beschließt neuen Haushalt", category=town, authors=[author],
        lead_image=ImageFactory(title="Der Ratssaal"), lead_image_alt="Der Ratssaal",
    )  # fmt: skip
    for title in ("Rat beschließt Haushalt", "Rat beschließt Haushalt für 2026"):
        with reversion.create_revision():
            reversion.set_user(admin)
            article.title = title
            article.save()
    in_review = ArticleFactory.create_batch(3, category=town, status=Article.Status.REVIEW)
    pending = workflow.save_changes(writer, article, {"title": "Rat beschließt Etat für 2026"})
    assert isinstance(pending, PendingChange)
    mark_present(article, writer)  # the change form says that a colleague has it open
    return {
        "article": article,
        "in_review": in_review[0],
        "pending": pending,
        "ad": JobAdFactory(submitted=True, title="Tischler (m/w/d)"),
        "image": ImageFactory(title="Marktplatz"),
    }


def screens(data) -> dict[str, str]:
    article, pending, ad = data["article"], data["pending"], data["ad"]
    urls = {
        "start": reverse("admin:index"),
        "articles": reverse("admin:articles_article_changelist"),
        "review-queue": reverse("admin:articles_article_changelist") + "?status__exact=review",
        "article-add": reverse("admin:articles_article_add"),
        "article-change": reverse("admin:articles_article_change", args=[article.pk]),
        "versions": reverse("admin:articles_article_versions", args=[article.pk]),
        "compare": reverse("admin:articles_article_compare", args=[article.pk]),
        "correction": reverse("admin:articles_pendingchange_change", args=[pending.pk]),
        "images": reverse("admin:images_image_changelist"),
        "image-add": reverse("admin:images_image_add"),
        "image-chooser": reverse("admin:images_image_changelist") + "?_popup=1&_to_field=id",
        "jobads": reverse("admin:ads_jobad_changelist"),
        "jobad-change": reverse("admin:ads_jobad_change", args=[ad.pk]),
        "jobad-moderation": reverse("admin:ads_jobad_moderate", args=[ad.pk]),
        "banner-add": reverse("admin:ads_banner_add"),
        # The queue, with the renditions tasks of the images above.
        "tasks": reverse("admin:jobs_task_changelist"),
    }
    # The working day's screens, where they exist.
    for name, url_name in [
        ("week-plan", "admin:articles_article_planning"),
        ("notifications", "notifications:list"),
    ]:
        try:
            urls[name] = reverse(url_name)
        except NoReverseMatch:
            pass
    return urls


def check(page: Page, url: str, name: str, pages: dict, problems: dict) -> None:
    """axe and the phone's width at both widths; the HTML the server sent, for the Nu run."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(url)
        if not response.ok:
            problems[name] = f"HTTP {response.status}"
            return
        pages[name] = response.body()
        page.wait_for_load_state("load")
        found = axe_violations(page)
        if width == 390:
            overflow = page.evaluate("document.scrollingElement.scrollWidth")
            if overflow > 390:
                found.append({"id": "horizontal-scrolling", "scrollWidth": overflow})
        if found:
            problems[f"{name}@{width}"] = found


def test_every_admin_screen_is_accessible_and_valid_at_both_widths(
    live_server, page: Page, newsroom, tmp_path
):
    page.set_default_timeout(10_000)
    pages, problems = {}, {}
    check(page, live_server.url + reverse("admin:login"), "login", pages, problems)
    admin_login(page, live_server.url, "chefin", PASSWORD)
    for name, url in screens(newsroom).items():
        check(page, live_server.url + url, name, pages, problems)
    # What opens on the article form: the calendar, the clock, the pickers' lists, "Planen…".
    page.goto(live_server.url + reverse("admin:articles_article_add"))
    for opener, name in [
        ("#calendarlink0", "calendar"),
        ("#clocklink0", "clock"),
        (".field-category .select2-selection", "category-picker"),
        (".field-authors .select2-selection", "authors-picker"),
        (".article-schedule summary", "schedule"),
    ]:
        page.keyboard.press("Escape")
        page.locator(opener).click()
        # Off the popup: what lies under the pointer left at the opener depends on the day
        # of the month. The calendar's hover colours are checked on purpose below.
        page.mouse.move(0, 0)
        if found := axe_violations(page):
            problems[f"article-add {name}"] = found
        if name == "calendar":
            page.locator("#calendarin0 td a").first.hover()
            if found := axe_violations(page):
                problems["article-add calendar day under the pointer"] = found
    page.goto(live_server.url + reverse("admin:index"))  # no "leave the form?" question
    page.get_by_role("button", name="Abmelden").click()
    admin_login(page, live_server.url, "selin", PASSWORD)
    url = live_server.url + reverse("admin:articles_article_add")
    check(page, url, "article-add-redaktion", pages, problems)

    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)
    errors = html_errors(pages, tmp_path)
    assert errors == [], "\n".join(errors)


def test_every_control_of_the_article_form_shows_a_focus_ring(live_server, page: Page, newsroom):
    page.set_default_timeout(10_000)
    admin_login(page, live_server.url, "chefin", PASSWORD)
    article = newsroom["in_review"]  # not yet online: it can be scheduled ("Planen…")
    page.goto(live_server.url + reverse("admin:articles_article_change", args=[article.pk]))
    page.locator(".ck-editor__editable").wait_for()
    page.locator(".article-schedule summary").click()
    page.locator("#id_title").focus()
    too_thin, seen = {}, []
    for _ in range(300):  # from the headline by keyboard, to the end of the form
        focused = page.evaluate(
            f"""() => {{
              const el = document.activeElement;
              if (el === window.last) return {{}};  // Tab moved within a date's parts
              window.last = el;
              window.visited ??= new Set();
              if (!el.closest("#article_form") || window.visited.has(el)) return null;
              window.visited.add(el);
              return {{html: el.outerHTML.slice(0, 100), ring: ({FOCUS_RING})(el)}};
            }}"""
        )
        if focused is None:
            break
        if focused:
            seen.append(focused["html"])
            if focused["ring"] < 2:
                too_thin[focused["html"]] = focused["ring"]
        page.keyboard.press("Tab")
    # the form's own controls were reached, the pickers and the editor among them
    assert any("select2-search" in html for html in seen), seen
    assert any("ck-editor__editable" in html for html in seen), seen
    assert any("data-schedule-at" in html for html in seen), seen
    assert too_thin == {}, json.dumps(too_thin, indent=1, ensure_ascii=False)
