"""The image library in the admin: finding, uploading and describing images, the focal
point, where an image is used, deleting, and the article editor's chooser."""

from io import BytesIO

import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import html as lxml_html
from PIL import Image as PILImage

from images.models import Image
from images.renditions import CROPS
from tests.factories import ArticleFactory, AuthorFactory, ImageFactory, image_upload
from tests.uploads import jpeg_with_gps, png_bomb

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:images_image_changelist")
ADD = reverse("admin:images_image_add")
KEPT_NOTICE = "Ausgewähltes Bild: {} – wird beim Speichern übernommen."


def change_url(image) -> str:
    return reverse("admin:images_image_change", args=[image.pk])


def delete_url(image) -> str:
    return reverse("admin:images_image_delete", args=[image.pk])


def choose_url(image) -> str:
    return reverse("admin:images_image_choose", args=[image.pk])


def small_image(**kwargs) -> Image:
    """A library image with few renditions to make (it is smaller than most widths)."""
    return ImageFactory(file=image_upload(size=(120, 80)), **kwargs)


def thumbnail_url(image, ext="jpg") -> str:
    """The list's thumbnail: the square crop at its smallest width."""
    crop = CROPS["square"]
    return image.renditions.url(crop, image.renditions.widths(crop)[0], ext)


def form_data(**extra) -> dict:
    data = {
        "title": "", "alt_text": "Der Marktplatz am Morgen", "caption": "",
        "credit": "Clara Weiß", "tags": "", "focal_x": "50", "focal_y": "50",
    }  # fmt: skip
    data.update(extra)
    return data


def image_form_data(image, **extra) -> dict:
    """The change form of a stored image as the browser sends it back (no new file)."""
    data = {
        "title": image.title,
        "alt_text": image.alt_text,
        "caption": image.caption,
        "credit": image.credit,
        "tags": ", ".join(t.name for t in image.tags.all()),
        "focal_x": str(image.focal_x),
        "focal_y": str(image.focal_y),
    }
    return form_data(**{**data, **extra})


def stored_files(settings, folder: str) -> list[str]:
    root = settings.MEDIA_ROOT / folder
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def tree(response):
    return lxml_html.fromstring(response.content.decode())


def words(element) -> str:
    """The element's text as a reader sees it: cells and list items apart, spaces folded."""
    return " ".join(" ".join(element.itertext()).split())


def text_of(response) -> str:
    return words(tree(response).body)


# --- Uploads as phones and attackers send them --------------------------------------------


def text_as_jpeg():
    return SimpleUploadedFile("foto.jpg", b"Das ist nur Text.\n" * 50, content_type="image/jpeg")


def long_animation():
    """20 frames of 1000 × 500: each within the pixel limit set below, all of them not."""
    frames = [PILImage.new("RGB", (1000, 500), (i * 10, 0, 0)) for i in range(20)]
    out = BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    return SimpleUploadedFile("animation.gif", out.getvalue(), content_type="image/gif")


def padded_png():
    """A real PNG made larger than the size limit set below by padding after its end."""
    upload = image_upload("gross.png", size=(300, 300), fmt="PNG")
    content = upload.read() + b"\0" * 60_000
    return SimpleUploadedFile("gross.png", content, content_type="image/png")


# --- The list ---------------------------------------------------------------------------


def test_list_shows_thumbnail_title_credit_size_and_a_missing_credit(admin_client):
    credited = ImageFactory(
        title="Stadtfest", credit="Clara Weiß", file=image_upload(size=(640, 400))
    )
    uncredited = ImageFactory(title="Hochwasser", credit="", file=image_upload(size=(300, 200)))
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    page = tree(response)

    (thumb,) = page.xpath(f"//tr[.//a[@href='{change_url(credited)}']]//img")
    renditions = credited.renditions
    assert thumb.get("src") == renditions.url(CROPS["square"], 96, "jpg")
    assert (thumb.get("width"), thumb.get("height")) == ("96", "96")
    assert thumb.get("loading") == "lazy"
    assert thumb.get("alt") == credited.alt_text
    # The thumbnail is really there: stored on upload, served like any rendition.
    thumbnail = Client().get(thumb.get("src"))
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"

    rows = {
        row.xpath("string(.//th[contains(@class, 'field-thumbnail')]//a/@href)"): words(row)
        for row in page.xpath("//table[@id='result_list']/tbody/tr")
    }
    assert "Stadtfest" in rows[change_url(credited)]
    assert "Clara Weiß" in rows[change_url(credited)]
    assert "640 × 400 px" in rows[change_url(credited)]
    assert "300 × 200 px" in rows[change_url(uncredited)]
    assert "– Bildnachweis fehlt" in rows[change_url(uncredited)]
    assert "Bildnachweis fehlt" not in rows[change_url(credited)]


@pytest.mark.parametrize(
    ("query", "found"),
    [("Rathaus", "Rathausplatz"), ("Weiß", "Rathausplatz"), ("Feuerwehr", "Löschzug")],
    ids=["title", "credit", "tag"],
)
def test_search_by_title_credit_and_keyword(admin_client, query, found):
    small_image(title="Rathausplatz", credit="Clara Weiß")
    small_image(title="Löschzug", credit="Max Brand").tags.add("Feuerwehr", "Einsatz")
    small_image(title="Sommerwiese", credit="Pia Gras")
    response = admin_client.get(CHANGELIST, {"q": query})
    titles = tree(response).xpath("//td[contains(@class, 'field-title')]//a/text()")
    assert titles == [found]


def test_filter_for_images_without_credit(admin_client):
    small_image(title="Mit Nachweis", credit="Clara Weiß")
    small_image(title="Ohne Nachweis", credit="")
    html = admin_client.get(CHANGELIST).content.decode()
    assert 'href="?bildnachweis=fehlt"' in html  # offered in the filter sidebar
    response = admin_client.get(CHANGELIST, {"bildnachweis": "fehlt"})
    titles = tree(response).xpath("//td[contains(@class, 'field-title')]//a/text()")
    assert titles == ["Ohne Nachweis"]


def test_the_list_needs_the_same_queries_for_3_and_for_30_images(admin_client):
    def count_queries() -> int:
        admin_client.get(CHANGELIST)  # site settings and the like are cached after the first
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get(CHANGELIST)
        assert response.status_code == 200
        return len(queries)

    for _ in range(3):
        small_image().tags.add("Markt")
    with_3 = count_queries()
    for _ in range(27):
        small_image().tags.add("Markt")
    with_30 = count_queries()
    assert with_30 == with_3
    assert tree(admin_client.get(CHANGELIST)).xpath("count(//img[@class='image-thumbnail'])") == 30


def test_the_chooser_popup_lists_thumbnails_that_choose_the_image(admin_client):
    image = small_image(title="Marktbrunnen")
    response = admin_client.get(CHANGELIST, {"_popup": "1", "_to_field": "id"})
    assert response.status_code == 200
    (link,) = tree(response).xpath("//th[contains(@class, 'field-thumbnail')]/a")
    assert link.get("data-popup-opener") == str(image.pk)
    assert link.xpath("./img[@class='image-thumbnail']")
    # Django's popup script answers the click; the library's stylesheet sizes the pictures.
    html = response.content.decode()
    assert "admin/js/admin/RelatedObjectLookups.js" in html
    assert "admin/css/image_library.css" in html


# --- Uploading ---------------------------------------------------------------------------


def test_an_upload_is_stored_re_encoded_under_a_random_name_without_metadata(
    admin_client, journalist
):
    response = admin_client.post(ADD, form_data(file=jpeg_with_gps(), tags="Markt, Sommer"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    image = Image.objects.get()
    assert image.title == "IMG_2041_Privat"  # the title field was left empty
    assert image.file.name.startswith("images/")
    assert "IMG_2041" not in image.file.name and "Privat" not in image.file.url
    with default_storage.open(image.file.name) as stored, PILImage.open(stored) as picture:
        assert dict(picture.getexif()) == {}
        assert picture.size == (320, 200)
    assert b"Geheime Kamera" not in default_storage.open(image.file.name).read()
    assert (image.width, image.height) == (320, 200)
    assert image.uploaded_by == journalist
    assert sorted(image.tags.names()) == ["Markt", "Sommer"]
    # The list's thumbnail of the new image is a clean picture too.
    thumbnail = Client().get(image.renditions.url(CROPS["square"], 96, "jpg"))
    assert thumbnail.status_code == 200
    with PILImage.open(BytesIO(b"".join(thumbnail.streaming_content))) as picture:
        assert picture.size == (96, 96) and dict(picture.getexif()) == {}


@pytest.mark.parametrize(
    ("make_upload", "limits", "message"),
    [
        (text_as_jpeg, {}, "kein gültiges Bild"),
        (png_bomb, {}, "zu viele Pixel"),
        (lambda: image_upload(size=(400, 300)), {"IMAGE_UPLOAD_MAX_PIXELS": 100_000},
         "Das Bild ist zu groß (400 × 300 Pixel)"),
        (long_animation, {"IMAGE_UPLOAD_MAX_PIXELS": 5_000_000},
         "20 Einzelbilder zu je 1000 × 500"),
        (padded_png, {"IMAGE_UPLOAD_MAX_BYTES": 50_000}, "zu groß"),
    ],
    ids=["text-named-jpg", "decompression-bomb", "too-many-pixels", "long-animation",
         "too-large-file"],
)  # fmt: skip
def test_refused_uploads_get_a_german_message_and_store_nothing(
    admin_client, settings, make_upload, limits, message
):
    for name, value in limits.items():
        setattr(settings, name, value)
    response = admin_client.post(ADD, form_data(file=make_upload(), title="Versuch"))
    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["file"])
    assert message in errors
    assert message in text_of(response)  # shown at the field
    assert not Image.objects.exists()
    assert not (settings.MEDIA_ROOT).exists() or not any(settings.MEDIA_ROOT.rglob("*.*"))
    # What the journalist typed is still in the form.
    assert tree(response).get_element_by_id("id_alt_text").value == "Der Marktplatz am Morgen"


def test_a_credit_is_required_and_the_chosen_file_is_kept_for_the_next_submit(
    admin_client, settings, django_capture_on_commit_callbacks
):
    response = admin_client.post(ADD, form_data(file=image_upload("marktplatz.jpg"), credit=""))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["credit"] == ["Dieses Feld ist zwingend erforderlich."]
    assert not Image.objects.exists()
    assert KEPT_NOTICE.format("marktplatz.jpg") in response.content.decode()
    (token,) = tree(response).xpath("//input[@type='hidden'][@name='file__kept']/@value")

    # The credit filled in, no file chosen again: the kept image is the one stored.
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(ADD, form_data(file__kept=token))
    assert response.status_code == 302, response.context["adminform"].form.errors
    image = Image.objects.get()
    assert (image.width, image.height) == (640, 400)
    assert image.title == "marktplatz"  # from the name the journalist chose, not the copy's
    assert image.credit == "Clara Weiß"
    assert stored_files(settings, "kept") == []  # the temporary copy is gone


def test_alt_text_is_required_too(admin_client):
    response = admin_client.post(ADD, form_data(file=image_upload(), alt_text=""))
    assert response.context["adminform"].form.errors["alt_text"] == [
        "Dieses Feld ist zwingend erforderlich."
    ]
    assert not Image.objects.exists()


# --- Describing and the focal point -----------------------------------------------------


def test_the_focal_point_is_saved_and_the_crops_follow_it(admin_client):
    image = ImageFactory(file=image_upload(size=(800, 400)))
    old_thumbnail = image.renditions.url(CROPS["square"], 96, "jpg")
    response = admin_client.post(
        change_url(image), image_form_data(image, focal_x="12", focal_y="80")
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y) == (12, 80)
    # The list shows the new crop (a new address: browsers do not keep the old one).
    new_thumbnail = image.renditions.url(CROPS["square"], 96, "jpg")
    assert new_thumbnail != old_thumbnail
    assert new_thumbnail in admin_client.get(CHANGELIST).content.decode()
    # The change page's picker starts at the saved point.
    box = tree(admin_client.get(change_url(image))).xpath("//*[@data-focal-picker]")[0]
    assert (box.get("data-focal-x-value"), box.get("data-focal-y-value")) == ("12", "80")


def test_a_focal_point_outside_the_image_is_refused(admin_client):
    image = small_image()
    response = admin_client.post(change_url(image), image_form_data(image, focal_x="101"))
    assert response.status_code == 200
    assert "kleiner oder gleich 100" in " ".join(
        response.context["adminform"].form.errors["focal_x"]
    )
    image.refresh_from_db()
    assert image.focal_x == 50


def test_the_change_page_shows_the_preview_with_its_picker(admin_client):
    image = ImageFactory(file=image_upload(size=(1600, 1000)))
    response = admin_client.get(change_url(image))
    page = tree(response)
    (picture,) = page.xpath("//img[contains(@class, 'image-focal__picture')]")
    assert picture.get("src") == image.renditions.url(CROPS["full"], 800, "jpg")
    assert (picture.get("width"), picture.get("height")) == ("800", "500")
    assert Client().get(picture.get("src")).status_code == 200
    html = response.content.decode()
    assert "admin/js/image_focal.js" in html and "admin/css/image_library.css" in html
    # Nothing inline: a Content Security Policy may forbid it.
    assert not page.xpath("//script[not(@src)][normalize-space()]")
    assert not page.xpath("//*[@data-focal-picker]//*[@style]")


def test_emptying_the_title_keeps_the_stored_one(admin_client):
    image = small_image(title="Rathaus im Schnee")
    response = admin_client.post(change_url(image), image_form_data(image, title=""))
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.title == "Rathaus im Schnee"


# --- Where used and deleting --------------------------------------------------------------


def test_the_change_page_lists_where_the_image_is_used(admin_client):
    image = small_image()
    lead = ArticleFactory(title="Stadtfest eröffnet", lead_image=image)
    in_text = ArticleFactory(
        title="Bilder vom Umzug", body=f'<p>Text</p><img src="{image.file.url}" alt="Umzug">'
    )
    author = AuthorFactory(name="Paula Rehberg", photo=image)
    ArticleFactory(title="Ohne dieses Bild")

    section = tree(admin_client.get(change_url(image))).xpath(
        "//section[@class='module image-uses']"
    )
    (section,) = section
    text = words(section)
    assert text.startswith("Verwendet in")
    links = {a.text_content(): a.get("href") for a in section.iter("a")}
    assert links == {
        "Stadtfest eröffnet": reverse("admin:articles_article_change", args=[lead.pk]),
        "Bilder vom Umzug": reverse("admin:articles_article_change", args=[in_text.pk]),
        "Paula Rehberg": reverse("admin:articles_author_change", args=[author.pk]),
    }


def test_where_used_shows_twenty_uses_per_kind_and_counts_the_rest(admin_client):
    image = small_image()
    for n in range(23):
        ArticleFactory(title=f"Meldung {n}", lead_image=image)
    (section,) = tree(admin_client.get(change_url(image))).xpath(
        "//section[@class='module image-uses']"
    )
    assert len(section.xpath(".//a")) == 20
    assert "… und 3 weitere" in section.text_content()


def test_an_unused_image_says_so(admin_client):
    image = small_image()
    response = admin_client.get(change_url(image))
    assert "Noch nirgends verwendet" in text_of(response)


def test_an_image_in_use_cannot_be_deleted_and_the_page_says_where_it_is_used(admin_client):
    image = small_image(title="Marktplatz")
    ArticleFactory(title="Stadtfest eröffnet", lead_image=image)
    AuthorFactory(name="Paula Rehberg", photo=image)

    response = admin_client.get(delete_url(image))
    assert response.status_code == 200
    text = text_of(response)
    assert "Das Bild „Marktplatz“ wird noch verwendet und kann nicht gelöscht werden" in text
    assert "Aufmacherbild von: Stadtfest eröffnet" in text
    assert "Foto von: Paula Rehberg" in text
    assert not tree(response).xpath("//form//input[@type='submit']")  # nothing to confirm

    response = admin_client.post(delete_url(image), {"post": "yes"})
    assert response.status_code == 200
    assert Image.objects.filter(pk=image.pk).exists()
    assert default_storage.exists(image.file.name)


def test_bulk_delete_refuses_while_one_of_the_images_is_used(admin_client):
    used = small_image(title="Marktplatz")
    unused = small_image(title="Sommerwiese")
    ArticleFactory(title="Bilder vom Umzug", body=f'<p><img src="{used.file.url}" alt=""></p>')
    data = {"action": "delete_selected", "_selected_action": [used.pk, unused.pk]}

    response = admin_client.post(CHANGELIST, data)
    assert response.status_code == 200
    text = text_of(response)
    assert "Einige der ausgewählten Bilder werden noch verwendet" in text
    assert "„Marktplatz“ Im Text von: Bilder vom Umzug" in text
    assert "Sommerwiese" not in text  # only what is in the way is listed

    response = admin_client.post(CHANGELIST, {**data, "post": "yes"})
    assert response.status_code == 200
    assert Image.objects.count() == 2


def test_deleting_an_unused_image_removes_its_file_and_renditions(
    admin_client, settings, django_capture_on_commit_callbacks
):
    image = small_image()
    name, folder = image.file.name, f"renditions/{image.pk}"
    assert Client().get(thumbnail_url(image)).status_code == 200
    assert stored_files(settings, folder)  # the thumbnail, made when first shown
    response = admin_client.get(delete_url(image))
    assert "wird noch verwendet" not in text_of(response)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(delete_url(image), {"post": "yes"})
    assert response.status_code == 302
    assert not Image.objects.exists()
    assert not default_storage.exists(name)
    assert not (settings.MEDIA_ROOT / folder).exists()


def test_bulk_delete_of_unused_images_removes_their_files(
    admin_client, settings, django_capture_on_commit_callbacks
):
    images = [small_image(), small_image()]
    names = [image.file.name for image in images]
    for image in images:
        assert Client().get(thumbnail_url(image, "webp")).status_code == 200
    assert len(stored_files(settings, "renditions")) == 2
    data = {"action": "delete_selected", "_selected_action": [i.pk for i in images], "post": "yes"}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(CHANGELIST, data)
    assert response.status_code == 302
    assert not Image.objects.exists()
    assert not any(default_storage.exists(name) for name in names)
    assert stored_files(settings, "renditions") == []


# --- The editor's chooser ----------------------------------------------------------------


def test_the_chooser_answers_with_what_the_editor_inserts(admin_client):
    image = ImageFactory(
        title="Marktbrunnen", alt_text="Kinder am Brunnen", caption="Der Brunnen im Juli",
        credit="Clara Weiß", file=image_upload(size=(640, 400)),
    )  # fmt: skip
    response = admin_client.get(choose_url(image))
    assert response.status_code == 200
    thumbnail = image.renditions.url(CROPS["wide"], 320, image.renditions.fallback)
    assert response.json() == {
        "id": image.pk,
        "title": "Marktbrunnen",
        "url": f"{CHANGELIST}{image.pk}/change/",  # and a thumbnail, for image fields
        "thumbnail": {"src": thumbnail, "width": 160, "height": 90},
        "src": image.file.url,
        "alt": "Kinder am Brunnen",
        "caption": "Der Brunnen im Juli",
        "credit": "Clara Weiß",
        "width": 640,
        "height": 400,
    }
    assert choose_url(image) == f"{CHANGELIST}{image.pk}/auswahl/"  # what the script builds
    assert admin_client.get(reverse("admin:images_image_choose", args=[99999])).status_code == 404


def test_the_chooser_is_for_staff_who_may_view_images(client, django_user_model):
    image = small_image()
    url = choose_url(image)
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]

    reader = django_user_model.objects.create_user("leser", password="lang-genug-123")
    client.force_login(reader)
    assert client.get(url).status_code == 302

    staff = django_user_model.objects.create_user("praktikant", password="x", is_staff=True)
    client.force_login(staff)
    assert client.get(url).status_code == 403

    staff.user_permissions.add(Permission.objects.get(codename="view_image"))
    client.force_login(django_user_model.objects.get(pk=staff.pk))  # fresh permission cache
    response = client.get(url)
    assert response.status_code == 200 and response.json()["id"] == image.pk


def test_the_add_page_waits_for_a_file_before_showing_the_picker(admin_client):
    response = admin_client.get(ADD)
    assert response.status_code == 200
    (box,) = tree(response).xpath("//*[@data-focal-picker]")
    assert box.get("hidden") is not None  # shown by the script once a file is chosen
    assert set(box.xpath(".//img/@src")) == {"data:,"}  # empty until then (valid HTML)
    assert not tree(response).xpath("//section[@class='module image-uses']")


# --- In the browser ------------------------------------------------------------------------

PASSWORD = "geheim-und-lang-123"


@pytest.fixture
def browser_login(live_server, page, django_user_model):
    from tests.browser import admin_login

    django_user_model.objects.create_superuser("bildredaktion", "b@example.org", PASSWORD)
    return admin_login(page, live_server.url, "bildredaktion", PASSWORD)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_clicking_the_preview_sets_the_focal_point(live_server, browser_login):
    from playwright.sync_api import expect

    page = browser_login
    image = ImageFactory(title="Marktplatz", file=image_upload(size=(1600, 1000)))
    page.goto(live_server.url + change_url(image))
    picture = page.locator(".image-focal__picture")
    expect(picture).to_be_visible()
    page.wait_for_function("document.querySelector('.image-focal__picture').naturalWidth > 0")
    marker = page.locator(".image-focal__marker")
    expect(marker).to_be_visible()

    box = picture.bounding_box()
    picture.click(position={"x": box["width"] * 0.25, "y": box["height"] * 0.75})
    expect(page.locator("#id_focal_x")).to_have_value("25")
    expect(page.locator("#id_focal_y")).to_have_value("75")
    marker_box = marker.bounding_box()
    assert abs(marker_box["x"] + marker_box["width"] / 2 - (box["x"] + box["width"] * 0.25)) < 2
    # The crops show what will be kept.
    expect(page.locator(".image-focal__crop--square img")).to_have_css("object-position", "25% 75%")

    # By keyboard: the number field moves the marker too.
    page.locator("#id_focal_x").fill("90")
    marker_box = marker.bounding_box()
    assert abs(marker_box["x"] + marker_box["width"] / 2 - (box["x"] + box["width"] * 0.9)) < 2

    page.get_by_role("button", name="Sichern", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("erfolgreich geändert")
    image.refresh_from_db()
    assert (image.focal_x, image.focal_y) == (90, 75)


def test_colleagues_who_may_only_view_see_the_image_and_its_uses(client, django_user_model):
    image = small_image(title="Marktplatz")
    ArticleFactory(title="Stadtfest eröffnet", lead_image=image)
    viewer = django_user_model.objects.create_user("archiv", password="x", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_image"))
    client.force_login(viewer)
    response = client.get(change_url(image))
    assert response.status_code == 200
    page = tree(response)
    assert page.xpath("//img[contains(@class, 'image-focal__picture')]/@src")
    assert not page.xpath("//input[@name='focal_x']")
    # The article is named; without permission to open articles it is not a link.
    (section,) = page.xpath("//section[@class='module image-uses']")
    assert "Stadtfest eröffnet" in words(section) and not section.xpath(".//a")


# The article form loads admin/js/library_chooser.js and marks its text field with
# data-library-chooser (articles/forms.py): the journalist picks from the library.

ARTICLE_ADD = reverse("admin:articles_article_add")


def open_chooser(page):
    with page.expect_popup() as opened:
        page.get_by_role("button", name="Bild aus der Bibliothek einfügen").click()
    popup = opened.value
    popup.wait_for_load_state()
    return popup


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_journalist_inserts_a_library_image_into_the_text(live_server, browser_login):
    from playwright.sync_api import expect

    from tests.browser import click_closing_popup

    page = browser_login
    image = ImageFactory(title="Marktbrunnen", alt_text="Kinder am Brunnen")
    ImageFactory(title="Rathaus", alt_text="Das Rathaus")
    page.goto(live_server.url + ARTICLE_ADD)
    editor = page.locator(".ck-editor__editable")
    editor.click()
    page.keyboard.type("Der Brunnen ist wieder in Betrieb.")

    popup = open_chooser(page)
    # Chosen by its picture (the thumbnail links to the image, named by its alt text).
    expect(popup.locator("th.field-thumbnail img")).to_have_count(2)
    click_closing_popup(popup.get_by_role("link", name="Kinder am Brunnen"))

    inserted = editor.locator("img")
    expect(inserted).to_have_count(1)
    assert inserted.get_attribute("src") == image.file.url
    assert inserted.get_attribute("alt") == "Kinder am Brunnen"
    expect(page.get_by_role("status")).to_have_text("Bild eingefügt: Marktbrunnen")
    expect(editor).to_contain_text("Der Brunnen ist wieder in Betrieb.")
    assert image.file.url in page.locator("textarea[name=body]").input_value()

    # The lead image's own lookup popup still fills its own field, not the text.
    if page.locator("#lookup_id_lead_image").count():
        with page.expect_popup() as opened:
            page.locator("#lookup_id_lead_image").click()
        popup = opened.value
        popup.wait_for_load_state()
        click_closing_popup(popup.get_by_role("link", name="Rathaus", exact=True))
        rathaus = Image.objects.get(title="Rathaus")
        expect(page.locator("#id_lead_image")).to_have_value(str(rathaus.pk))
        expect(inserted).to_have_count(1)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_image_uploaded_in_the_chooser_is_inserted(live_server, browser_login, tmp_path):
    from playwright.sync_api import expect

    page = browser_login
    page.goto(live_server.url + ARTICLE_ADD)
    page.locator(".ck-editor__editable").click()

    popup = open_chooser(page)
    popup.get_by_role("link", name="Bild hinzufügen").click()
    path = tmp_path / "Stadtfest.jpg"
    path.write_bytes(image_upload().read())
    popup.locator("#id_file").set_input_files(str(path))
    popup.locator("#id_alt_text").fill("Tanz auf dem Marktplatz")
    popup.locator("#id_credit").fill("Clara Weiß")
    popup.get_by_role("button", name="Sichern", exact=True).click()

    inserted = page.locator(".ck-editor__editable img")
    expect(inserted).to_have_count(1)
    image = Image.objects.get()
    assert image.title == "Stadtfest"
    assert inserted.get_attribute("src") == image.file.url
    assert inserted.get_attribute("alt") == "Tanz auf dem Marktplatz"
