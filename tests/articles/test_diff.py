"""How a change to an article reads: the text block by block with its headings and lists,
insertions and deletions in colour and in words, changed images before and after."""

import pytest
import reversion
from django.contrib.auth.models import Group
from django.urls import reverse
from lxml import html as lxml_html

from articles import workflow
from articles.groups import GROUP_NAME
from articles.revisions import diff, diff_blocks
from tests.factories import ArticleFactory, ImageFactory
from tests.quality import html_errors

OLD = (
    "<p>Der Rat tagte am Montag.</p><h2>Kritik</h2><p>Die Opposition war dagegen.</p>"
    "<ul><li>Haushalt</li><li>Schulen</li></ul>"
)
NEW = (
    "<p>Der Rat tagte am Dienstag.</p><h2>Kritik</h2><p>Die Opposition war dagegen.</p>"
    "<h3>Wie es weitergeht</h3><p>Im März wird abgestimmt.</p>"
    "<ul><li>Haushalt</li><li>Schulen</li><li>Bäder</li></ul>"
)


def blocks(markup) -> list[tuple[str, str]]:
    """(tag and class, text) of each block of a diff."""
    tree = lxml_html.fragment_fromstring(str(markup), create_parent="div")
    shown = []
    for element in tree:
        if element.tag in ("ul", "ol"):
            shown += [(f"{element.tag}>li", li.text_content()) for li in element]
        else:
            shown.append((f"{element.tag}.{element.get('class')}", element.text_content()))
    return shown


def test_the_text_is_compared_block_by_block_and_headings_stay_headings():
    shown = blocks(diff_blocks(OLD, NEW))
    assert shown == [
        ("p.revision-block revision-block--p",
         "Der Rat tagte am gelöscht: Montageingefügt: Dienstag."),
        ("p.revision-block revision-block--h2", "Überschrift 2: Kritik"),
        ("p.revision-block revision-block--p", "Die Opposition war dagegen."),
        ("p.revision-block revision-block--h3", "Überschrift 3: eingefügt: Wie es weitergeht"),
        ("p.revision-block revision-block--p", "eingefügt: Im März wird abgestimmt."),
        ("ul>li", "Haushalt"),
        ("ul>li", "Schulen"),
        ("ul>li", "eingefügt: Bäder"),
    ]  # fmt: skip


def test_changes_are_marked_in_words_not_only_in_colour():
    markup = str(diff_blocks("<p>Ein Satz.</p><p>Weg damit.</p>", "<p>Ein neuer Satz.</p>"))
    assert '<ins><span class="visually-hidden">eingefügt: </span>neuer</ins>' in markup
    assert '<del><span class="visually-hidden">gelöscht: </span>Weg damit.</del>' in markup


def test_a_paragraph_made_a_heading_shows_both():
    shown = blocks(diff_blocks("<p>Kritik</p>", "<h2>Kritik</h2>"))
    assert shown == [
        ("p.revision-block revision-block--p", "gelöscht: Kritik"),
        ("p.revision-block revision-block--h2", "Überschrift 2: eingefügt: Kritik"),
    ]


def test_markup_in_the_text_is_escaped():
    markup = str(diff_blocks("<p>a &lt;b&gt;</p>", "<p>a &lt;script&gt;</p>"))
    assert "<script" not in markup and "&lt;" in markup and "script</ins>&gt;" in markup


@pytest.fixture
def images():
    return ImageFactory(title="Der Ratssaal"), ImageFactory(title="Der Ratssaal nach dem Umbau")


@pytest.mark.django_db
def test_a_changed_social_image_shows_before_and_after_with_titles(images):
    old, new = images
    (row,) = diff({"social_image": old.pk}, {"social_image": new.pk})
    tree = lxml_html.fragment_fromstring(str(row["html"]))
    before, after = tree.xpath("//figure")
    assert before.text_content() == "Vorher: gelöscht: Der Ratssaal"
    assert after.text_content() == "Nachher: eingefügt: Der Ratssaal nach dem Umbau"
    for figure, image in ((before, old), (after, new)):
        (picture,) = figure.xpath(".//img")
        assert picture.get("src").startswith(f"/media/renditions/{image.pk}/")
    (row,) = diff({"lead_image": None}, {"lead_image": new.pk})
    assert "Vorher: (kein Bild)" in lxml_html.fragment_fromstring(str(row["html"])).text_content()


def page_tree(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return lxml_html.fromstring(response.content.decode())


@pytest.fixture
def valid_html(tmp_path):
    """Asserts that pages pass the Nu HTML checker (one run at the end of the test)."""
    pages = {}
    yield pages
    assert html_errors(pages, tmp_path) == []


def assert_shows_the_change(tree):
    assert tree.xpath("//link[contains(@href, 'admin/css/revisions.css')]")
    (legend,) = tree.find_class("revision-legend")
    assert [e.text_content() for e in legend.xpath("ins|del")] == ["Eingefügt", "Gelöscht"]
    figures = tree.xpath("//figure[@class='revision-image']")
    assert [f.text_content() for f in figures] == [
        "Vorher: gelöscht: Der Ratssaal",
        "Nachher: eingefügt: Der Ratssaal nach dem Umbau",
    ]
    assert [len(f.xpath("img")) for f in figures] == [1, 1]
    (heading,) = tree.xpath("//p[contains(@class, 'revision-block--h3')]")
    assert heading.text_content() == "Überschrift 3: eingefügt: Wie es weitergeht"


@pytest.mark.django_db
def test_the_correction_to_approve_shows_headings_images_and_the_legend(
    admin_client, django_user_model, images, valid_html
):
    old, new = images
    article = ArticleFactory(lead_image=old, lead_image_alt="Der Saal", body=OLD)
    writer = django_user_model.objects.create_user("reporter", is_staff=True)
    writer.groups.add(Group.objects.get(name=GROUP_NAME))
    pending = workflow.save_changes(writer, article, {"lead_image": new.pk, "body": NEW})
    url = reverse("admin:articles_pendingchange_change", args=[pending.pk])
    assert_shows_the_change(page_tree(admin_client, url))
    valid_html["correction"] = admin_client.get(url).content


@pytest.mark.django_db
def test_the_versions_compare_page_shows_headings_images_and_the_legend(
    admin_client, journalist, images, valid_html
):
    old, new = images
    article = ArticleFactory(lead_image=old, lead_image_alt="Der Saal", body=OLD)
    for image, body in ((old, OLD), (new, NEW)):
        with reversion.create_revision():
            reversion.set_user(journalist)
            article.lead_image, article.body = image, body
            article.save()
    url = reverse("admin:articles_article_compare", args=[article.pk])
    assert_shows_the_change(page_tree(admin_client, url))
    valid_html["compare"] = admin_client.get(url).content
