"""Versions of an article: what a version keeps, comparing two, restoring one."""

import pytest
import reversion
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from reversion.models import Version

from articles import workflow
from articles.models import Article, PendingChange
from articles.revisions import Block, diff, text_blocks, version_values, versions_of
from tests.factories import ArticleFactory, AuthorFactory, CategoryFactory, ImageFactory

pytestmark = pytest.mark.django_db


def save_version(user, article, *, tags=(), authors=(), comment="", **fields):
    """Save `article` with `fields` as the admin does: one revision with tags and authors."""
    for name, value in fields.items():
        setattr(article, name, value)
    with reversion.create_revision():
        reversion.set_user(user)
        reversion.set_comment(comment)
        article.save()
        article.tags.set(list(tags), clear=True)
        article.authors.set(list(authors))
    return versions_of(article).first()


@pytest.fixture
def history(journalist):
    """An article saved twice: the first version, then the current (second) one."""
    paula, jonas = AuthorFactory(name="Paula Rehberg"), AuthorFactory(name="Jonas Albers")
    article = ArticleFactory(
        title="Rat beschließt neuen Haushalt", body="<p>Der Rat tagte am Montag.</p>"
    )
    first = save_version(
        journalist,
        article,
        tags=["Rathaus", "Haushalt"],
        authors=[paula],
        lead_image=ImageFactory(title="Der Ratssaal"),
        lead_image_alt="Der Ratssaal bei der Sitzung",
        comment="Erste Fassung",
    )
    second = save_version(
        journalist,
        Article.objects.get(pk=article.pk),
        title="Rat beschließt Haushalt für 2026",
        body="<p>Der Rat tagte am Dienstag.</p><h2>Kritik</h2><p>Die Opposition war dagegen.</p>",
        tags=["Rathaus", "Finanzen"],
        authors=[paula, jonas],
    )
    return article, first, second, paula, jonas


def versions_url(name, article, *args):
    return reverse(f"admin:articles_article_{name}", args=[article.pk, *args])


def test_a_version_keeps_tags_authors_and_the_lead_image(history):
    article, first, second, paula, jonas = history
    old = version_values(first)
    assert old["title"] == "Rat beschließt neuen Haushalt"
    assert old["tags"] == ["Haushalt", "Rathaus"]
    assert old["authors"] == [paula.pk]
    assert old["lead_image"] == Article.objects.get(pk=article.pk).lead_image.pk
    assert old["lead_image_alt"] == "Der Ratssaal bei der Sitzung"
    new = version_values(second)
    assert new["tags"] == ["Finanzen", "Rathaus"]
    assert new["authors"] == sorted([paula.pk, jonas.pk])
    assert new == workflow.content_values(Article.objects.get(pk=article.pk))


def test_diff_lists_only_changed_fields_word_by_word_with_german_labels(history):
    _article, first, second, _paula, _jonas = history
    rows = diff(version_values(first), version_values(second))
    by_name = {row["name"]: row for row in rows}
    assert set(by_name) == {"title", "body", "tags", "authors"}
    assert [row["label"] for row in rows] == ["Überschrift", "Text", "Schlagwörter",
                                              "Autorinnen und Autoren"]  # fmt: skip
    title = str(by_name["title"]["html"])
    assert title == (
        'Rat beschließt <del><span class="visually-hidden">gelöscht: </span>neuen</del> Haushalt'
        ' <ins><span class="visually-hidden">eingefügt: </span>für 2026</ins>'
    )
    body = str(by_name["body"]["html"])
    assert "<del>" in body and "Montag</del>" in body and "Dienstag</ins>" in body
    assert "Kritik" in body  # block by block: see tests/articles/test_diff.py
    assert "Rathaus" in str(by_name["tags"]["html"]) and "Finanzen</ins>" in str(
        by_name["tags"]["html"]
    )
    assert "Haushalt</del>" in str(by_name["tags"]["html"])
    assert "Jonas Albers</ins>" in str(by_name["authors"]["html"])


def test_diff_escapes_text_and_names_unknown_authors_and_categories():
    category = CategoryFactory(name="Lokales")
    old = {"title": "<b>Alt</b> & gut", "authors": [999_999], "category": category.pk}
    new = {"title": "<b>Neu</b> & gut", "authors": [], "category": category.pk}
    rows = {row["name"]: str(row["html"]) for row in diff(old, new)}
    assert "<b>" not in rows["title"] and "&lt;b&gt;" in rows["title"]
    assert "#999999</del>" in rows["authors"]
    assert "category" not in rows


def test_text_blocks_keep_paragraphs_headings_and_list_items_apart():
    html = (
        "<p>Erster&nbsp;Absatz\nim Quelltext.</p><h2>Zwischen&shy;titel</h2>"
        "<ul><li>A</li><li>B</li></ul><p>Zeile<br>Nächste</p>"
    )
    assert text_blocks(html) == [
        Block("p", "Erster\xa0Absatz im Quelltext."),
        Block("h2", "Zwischen\xadtitel"),
        Block("li", "A", "ul"),
        Block("li", "B", "ul"),
        Block("p", "Zeile\nNächste"),
    ]


def test_versions_page_lists_versions_and_links_from_the_change_form(admin_client, history):
    article, first, second, *_ = history
    html = admin_client.get(versions_url("versions", article)).content.decode()
    assert "Erste Fassung" in html and "redakteurin" in html
    assert f'name="a" value="{first.pk}"' in html and f'value="{first.pk}" ' in html
    assert f'name="b" value="{second.pk}" aria-labelledby="col-b row-{second.pk}" checked' in html
    assert versions_url("restore", article, first.pk) in html
    change = admin_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert versions_url("versions", article) in change.content.decode()


def test_compare_page_shows_the_diff_of_two_versions_and_of_the_current_article(
    admin_client, history
):
    article, first, second, *_ = history
    url = versions_url("compare", article)
    response = admin_client.get(url, {"a": second.pk, "b": first.pk})  # order does not matter
    html = response.content.decode()
    assert response.status_code == 200
    assert "Überschrift" in html and "neuen</del>" in html and "für 2026</ins>" in html
    assert "Aufmacherbild" not in html  # unchanged fields are not listed
    current = admin_client.get(url, {"a": second.pk, "b": "aktuell"}).content.decode()
    assert "Der Inhalt ist in beiden gleich." in current
    assert admin_client.get(url, {"a": "x", "b": first.pk}).status_code == 404
    newest_two = admin_client.get(url).content.decode()  # unless chosen: the two newest
    assert "neuen</del>" in newest_two and "für 2026</ins>" in newest_two


def test_restore_brings_back_text_tags_and_authors_as_a_new_version(
    admin_client, journalist, history
):
    article, first, _second, paula, _jonas = history
    url = versions_url("restore", article, first.pk)
    before = versions_of(article).count()
    response = admin_client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:articles_article_change", args=[article.pk])
    article = Article.objects.get(pk=article.pk)
    assert article.title == "Rat beschließt neuen Haushalt"
    assert article.body == "<p>Der Rat tagte am Montag.</p>"
    assert sorted(t.name for t in article.tags.all()) == ["Haushalt", "Rathaus"]
    assert list(article.authors.all()) == [paula]
    assert versions_of(article).count() == before + 1
    newest = versions_of(article).first()
    assert newest.revision.user == journalist
    assert newest.revision.comment.startswith("Version vom ")
    assert newest.revision.comment.endswith(" wiederhergestellt")
    assert version_values(newest) == version_values(first)


def test_get_restore_asks_first_and_changes_nothing(admin_client, history):
    article, first, *_ = history
    before = versions_of(article).count()
    response = admin_client.get(versions_url("restore", article, first.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'method="post"' in html and "csrfmiddlewaretoken" in html
    assert "Dienstag</del>" in html and "Montag</ins>" in html  # from current to the version
    assert Article.objects.get(pk=article.pk).title == "Rat beschließt Haushalt für 2026"
    assert versions_of(article).count() == before


def test_restore_by_a_journalist_who_may_not_publish_waits_for_approval(
    client, django_user_model, history
):
    article, first, *_ = history
    reporter = django_user_model.objects.create_user("reporter", password="lang-genug-123")
    reporter.is_staff = True
    reporter.save()
    reporter.groups.add(Group.objects.get(name="Redaktion"))
    client.force_login(reporter)
    before = versions_of(article).count()
    response = client.post(versions_url("restore", article, first.pk))
    assert response.status_code == 302
    html = client.get(versions_url("versions", article)).content.decode()  # shows the message
    assert "Die Wiederherstellung wartet auf Freigabe durch den Chef vom Dienst." in html
    pending = PendingChange.objects.get(article=article)
    assert pending.created_by == reporter
    assert pending.data["title"] == "Rat beschließt neuen Haushalt"
    assert pending.data["tags"] == ["Haushalt", "Rathaus"]
    assert "lead_image" not in pending.data  # only what differs from the live article
    article = Article.objects.get(pk=article.pk)
    assert article.title == "Rat beschließt Haushalt für 2026"
    assert sorted(t.name for t in article.tags.all()) == ["Finanzen", "Rathaus"]
    assert versions_of(article).count() == before


def test_restore_needs_the_change_permission(client, django_user_model, history):
    article, first, *_ = history
    reader = django_user_model.objects.create_user("leserin", password="lang-genug-123")
    reader.is_staff = True
    reader.save()
    reader.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(reader)
    assert client.get(versions_url("versions", article)).status_code == 200
    assert client.post(versions_url("restore", article, first.pk)).status_code == 403
    assert Article.objects.get(pk=article.pk).title == "Rat beschließt Haushalt für 2026"
    client.logout()
    response = client.post(versions_url("restore", article, first.pk))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_version_of_another_article_is_not_found(admin_client, journalist, history):
    article, first, *_ = history
    other = ArticleFactory()
    save_version(journalist, other)
    assert admin_client.get(versions_url("restore", other, first.pk)).status_code == 404
    assert admin_client.post(versions_url("restore", other, first.pk)).status_code == 404
    compare = admin_client.get(versions_url("compare", other), {"a": first.pk, "b": "aktuell"})
    assert compare.status_code == 404
    assert Version.objects.get_for_object(other).count() == 1


def test_a_changed_lead_image_shows_both_images_and_a_deleted_one_is_not_restored(
    admin_client, journalist, history
):
    article, first, _second, paula, jonas = history
    old_image = Article.objects.get(pk=article.pk).lead_image
    new_image = ImageFactory(title="Der Ratssaal nach dem Umbau")
    current = save_version(
        journalist,
        Article.objects.get(pk=article.pk),
        lead_image=new_image,
        tags=["Rathaus", "Finanzen"],
        authors=[paula, jonas],
    )

    def image_row():
        rows = diff(version_values(first), version_values(current))
        (row,) = (row for row in rows if row["name"] == "lead_image")
        assert row["label"] == "Aufmacherbild"
        before, after, _end = str(row["html"]).split("</figure>")
        return before, after

    # Before and after by their library title, each with a thumbnail.
    for part, image, word in zip(
        image_row(), (old_image, new_image), ("Vorher", "Nachher"), strict=True
    ):
        assert image.title in part and f'<img src="/media/renditions/{image.pk}/' in part
        assert f"{word}:" in part

    old_title = old_image.title
    old_image.delete()  # no article uses it any more: the library lets it go
    removed, added = image_row()
    assert "(aus der Bibliothek gelöscht)" in removed  # no title, no thumbnail
    assert old_title not in removed and "<img" not in removed
    assert new_image.title in added

    response = admin_client.post(versions_url("restore", article, first.pk))
    assert response.status_code == 302
    article = Article.objects.get(pk=article.pk)
    assert article.title == "Rat beschließt neuen Haushalt"
    assert article.lead_image == new_image
    html = admin_client.get(versions_url("versions", article)).content.decode()
    assert "Das Bild „Aufmacherbild“ dieser Version ist nicht mehr vorhanden" in html


def test_restoring_a_version_brings_its_lead_image_back(admin_client, journalist, history):
    article, first, _second, paula, jonas = history
    old_image = Article.objects.get(pk=article.pk).lead_image
    save_version(
        journalist,
        Article.objects.get(pk=article.pk),
        lead_image=ImageFactory(),
        lead_image_alt="",
        tags=["Rathaus", "Finanzen"],
        authors=[paula, jonas],
    )
    assert admin_client.post(versions_url("restore", article, first.pk)).status_code == 302
    article = Article.objects.get(pk=article.pk)
    assert article.lead_image == old_image
    assert article.lead_image_alt == "Der Ratssaal bei der Sitzung"
