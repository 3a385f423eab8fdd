"""The journalists' workspace: list, and no silent overwrite of a colleague's edit."""

import pytest
from django.test import Client
from django.urls import reverse
from lxml import html as lxml_html

from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory, ImageFactory

pytestmark = pytest.mark.django_db


def change_form_data(client, article):
    """The change form's fields as the browser would send them back."""
    response = client.get(reverse("admin:articles_article_change", args=[article.pk]))
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        if name == "published_at":
            widget = form[name].field.widget
            parts = zip(widget.widgets, widget.decompress(value), strict=True)
            data["published_at_0"], data["published_at_1"] = (w.format_value(v) for w, v in parts)
            # A callable default makes Django send the initial value along (hidden).
            data["initial-published_at_0"] = data["published_at_0"]
            data["initial-published_at_1"] = data["published_at_1"]
        elif isinstance(value, list):
            data[name] = [str(v) for v in value]
        else:
            data[name] = value if not hasattr(value, "pk") else value.pk
    data["tags"] = ", ".join(t.name for t in article.tags.all())
    return data


def test_article_list_shows_tags_authors_and_live_link(admin_client):
    author = AuthorFactory(name="Paula Rehberg")
    article = ArticleFactory(title="Stadtfest", authors=[author], tags=["Fest", "Altstadt"])
    html = admin_client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "Altstadt, Fest" in html and "Paula Rehberg" in html
    assert f'href="{article.get_absolute_url()}"' in html


def test_the_lead_image_is_chosen_from_the_library(admin_client):
    marktplatz = ImageFactory(title="Marktplatz im Regen", credit="Clara Weiß")
    article = ArticleFactory(title="Stadtfest", lead_image=marktplatz)
    url = reverse("admin:articles_article_change", args=[article.pk])
    tree = lxml_html.fromstring(admin_client.get(url).content.decode())
    (field,) = tree.xpath("//input[@name='lead_image']")
    assert field.get("value") == str(marktplatz.pk)
    row = tree.xpath("//div[contains(@class, 'field-lead_image')]")[0]
    # A way into the library, the chosen image as a thumbnail, and its credit from there.
    assert row.xpath(".//a[contains(@href, '/admin/images/image/')]")
    assert row.xpath(f".//img[starts-with(@src, '/media/renditions/{marktplatz.pk}/')]")
    assert "Marktplatz im Regen" in row.text_content() and "Clara Weiß" in row.text_content()

    # Saving the form as it came back keeps the image; another one is chosen by its number.
    data = change_form_data(admin_client, article) | {"kicker": "Drei Tage Musik"}
    assert admin_client.post(url, data).status_code == 302
    assert Article.objects.get().lead_image == marktplatz
    rathaus = ImageFactory(title="Rathaus")
    data = change_form_data(admin_client, article) | {"lead_image": rathaus.pk}
    assert admin_client.post(url, data).status_code == 302
    assert Article.objects.get().lead_image == rathaus
    # The list shows it as a thumbnail.
    listing = admin_client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert f'<img src="/media/renditions/{rathaus.pk}/' in listing


def test_a_mistyped_image_number_is_a_form_error_not_a_server_error(admin_client):
    article = ArticleFactory(title="Stadtfest", lead_image=ImageFactory())
    url = reverse("admin:articles_article_change", args=[article.pk])
    for typed in ("abc", "999999"):
        response = admin_client.post(
            url, change_form_data(admin_client, article) | {"lead_image": typed}
        )
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["lead_image"]


def test_article_list_filters_and_search(admin_client):
    ArticleFactory(title="Rathaus tagt", status=Article.Status.DRAFT)
    ArticleFactory(title="Sportfest")
    url = reverse("admin:articles_article_changelist")
    drafts = admin_client.get(url, {"status__exact": "draft"}).content.decode()
    assert "Rathaus tagt" in drafts and "Sportfest" not in drafts
    found = admin_client.get(url, {"q": "Sportfest"}).content.decode()
    assert "Sportfest" in found and "Rathaus tagt" not in found


def test_an_edit_conflict_keeps_the_colleagues_changes_in_untouched_fields(
    journalist, django_user_model
):
    article = ArticleFactory(title="Erste Fassung", kicker="Alte Unterzeile", body="<p>Text</p>")
    url = reverse("admin:articles_article_change", args=[article.pk])
    miriam, jonas = Client(), Client()
    miriam.force_login(journalist)
    jonas.force_login(
        django_user_model.objects.create_superuser(
            "jonas", "j@example.org", "lang-genug-123", first_name="Jonas", last_name="Feldkamp"
        )
    )
    miriam_form = change_form_data(miriam, article)
    jonas_form = change_form_data(jonas, article)

    jonas_form["title"] = "Jonas’ Fassung"
    jonas_form["kicker"] = "Neue Unterzeile von Jonas"
    assert jonas.post(url, jonas_form).status_code == 302

    miriam_form["title"] = "Miriams Fassung"
    miriam_form["body"] = "<p>Miriam hat lange daran geschrieben.</p>"
    response = miriam.post(url, miriam_form)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Jonas Feldkamp hat diesen Artikel" in html
    assert "Miriam hat lange daran geschrieben." in html  # her text is still there
    conflict = {row["label"]: row for row in response.context["adminform"].form.conflict}
    assert set(conflict) == {"Überschrift", "Unterzeile"}  # what Jonas changed
    assert conflict["Unterzeile"]["theirs"] == "Neue Unterzeile von Jonas"
    assert conflict["Überschrift"]["both"] and conflict["Überschrift"]["mine"] == "Miriams Fassung"
    assert Article.objects.get().title == "Jonas’ Fassung"  # nothing saved yet

    # Saving the form as it came back keeps Jonas' subtitle, which Miriam did not touch.
    returned = response.context["adminform"].form.data
    assert miriam.post(url, returned).status_code == 302
    saved = Article.objects.get()
    assert saved.title == "Miriams Fassung"
    assert saved.body == "<p>Miriam hat lange daran geschrieben.</p>"
    assert saved.kicker == "Neue Unterzeile von Jonas"


def test_redaktion_group_writes_articles_but_does_not_delete_or_moderate_ads(
    client, django_user_model
):
    from django.contrib.auth.models import Group, Permission

    from articles.groups import ensure_newsroom_group

    journalist = django_user_model.objects.create_user(
        "selin", password="lang-genug-123", is_staff=True
    )
    # What the data migration sets up (recreated: transactional tests flush the table).
    journalist.groups.add(ensure_newsroom_group(Group, Permission))
    client.force_login(journalist)
    article = ArticleFactory()
    assert client.get(reverse("admin:articles_article_add")).status_code == 200
    change = reverse("admin:articles_article_change", args=[article.pk])
    assert client.get(change).status_code == 200
    delete = reverse("admin:articles_article_delete", args=[article.pk])
    assert client.get(delete).status_code == 403
    assert client.get(reverse("admin:articles_category_add")).status_code == 403
    assert client.get(reverse("admin:ads_jobad_changelist")).status_code == 403
    # The image library: upload and describe, but deleting is for the editor on duty.
    image = ImageFactory()
    assert client.get(reverse("admin:images_image_add")).status_code == 200
    assert client.get(reverse("admin:images_image_change", args=[image.pk])).status_code == 200
    assert client.get(reverse("admin:images_image_delete", args=[image.pk])).status_code == 403


def test_overlong_tags_get_a_message_not_a_server_error(admin_client):
    from tests.factories import CategoryFactory
    from tests.newsroom.test_images import article_form_data

    data = article_form_data(CategoryFactory(), lead_image_alt="", tags="Rathaus, " + "x" * 101)
    response = admin_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 200
    assert "höchstens 100 Zeichen" in " ".join(response.context["adminform"].form.errors["tags"])
    assert not Article.objects.exists()


def test_a_tag_of_umlauts_fits_its_slug_column():
    from articles.models import Tag

    ArticleFactory(tags=["Ä" * 100])  # the slug spells every umlaut out: "aeaeae..."
    assert 0 < len(Tag.objects.get().slug) <= 100


def test_an_edit_conflict_keeps_a_colleagues_new_publication_date(journalist, django_user_model):
    article = ArticleFactory(title="Erste Fassung")
    url = reverse("admin:articles_article_change", args=[article.pk])
    miriam, jonas = Client(), Client()
    miriam.force_login(journalist)
    jonas.force_login(django_user_model.objects.create_superuser("jonas", "j@x.org", "lang-123"))
    miriam_form = change_form_data(miriam, article)
    jonas_form = change_form_data(jonas, article)

    jonas_form["published_at_0"] = "24.12.2030"  # rescheduled; Miriam never touches the date
    assert jonas.post(url, jonas_form).status_code == 302
    miriam_form["title"] = "Miriams Fassung"
    response = miriam.post(url, miriam_form)
    conflict = {row["label"]: row for row in response.context["adminform"].form.conflict}
    assert not conflict["Veröffentlichungsdatum"]["both"]
    assert miriam.post(url, response.context["adminform"].form.data).status_code == 302
    saved = Article.objects.get()
    assert saved.title == "Miriams Fassung" and saved.published_at.year == 2030
