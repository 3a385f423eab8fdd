"""The data migration that moves every existing image into the library (articles 0008):
run backwards to the state before the library, filled the old way, then forwards."""

import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.factories import image_upload

BEFORE = [("articles", "0007_roles"), ("images", None)]
AFTER = [("articles", "0008_image_library")]


def migrate(targets):
    """Migrate the test database to `targets`; the models as they were at that point."""
    MigrationExecutor(connection).migrate(targets)
    loader = MigrationExecutor(connection).loader
    return loader.project_state(list(loader.applied_migrations)).apps


@pytest.fixture(autouse=True)
def _latest_schema_afterwards():
    """Migrating back to BEFORE also unapplies every later migration that depends on it
    (other apps' too): the tests after this one need the whole schema back."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def store(name, size=(1200, 750)):
    return default_storage.save(name, ContentFile(image_upload(size=size).read()))


@pytest.mark.django_db(transaction=True)
def test_lead_images_author_photos_and_editor_uploads_move_into_the_library():
    old = migrate(BEFORE)
    Category, Article = old.get_model("articles", "Category"), old.get_model("articles", "Article")
    Author = old.get_model("articles", "Author")
    category = Category.objects.create(name="Lindenau", slug="lindenau", path="lindenau")
    lead = store("articles/2026/11/rathaus.jpg")
    shared = store("articles/2026/11/markt.jpg")
    photo = store("authors/miriam.jpg", size=(400, 400))
    in_text, unused = store("editor/2026/11/unfall.jpg"), store("editor/2026/11/nie-benutzt.jpg")
    common = {"category": category, "status": "published", "published_at": timezone.now()}
    first = Article.objects.create(
        title="Rat tagt", slug="rat-tagt", lead_image=lead, lead_image_width=1200,
        lead_image_height=750, lead_image_alt="Das Rathaus", lead_image_caption="Am Morgen",
        lead_image_credit="Paula Rehberg", **common,
        body=f'<figure class="image"><img src="/media/{in_text}" alt="Die Unfallstelle"></figure>',
    )  # fmt: skip
    second = Article.objects.create(
        title="Markt", slug="markt", lead_image=shared, lead_image_alt="Der Markt",
        lead_image_credit="Jonas Feldkamp", **common,
    )  # fmt: skip
    third = Article.objects.create(
        title="Markt 2", slug="markt-2", lead_image=shared, lead_image_alt="Markt von oben",
        lead_image_credit="Jonas Feldkamp", **common,
    )  # fmt: skip
    author = Author.objects.create(name="Miriam Adler", slug="miriam-adler", photo=photo)
    # A stored version names the lead image's file, as django-reversion kept it.
    Revision = old.get_model("reversion", "Revision")
    Version = old.get_model("reversion", "Version")
    ContentType = old.get_model("contenttypes", "ContentType")
    revision = Revision.objects.create(date_created=timezone.now(), comment="")
    fields = {"title": "Rat tagt", "lead_image": lead, "lead_image_credit": "Paula Rehberg"}
    Version.objects.create(
        revision=revision, object_id=str(first.pk), db="default", format="json",
        content_type=ContentType.objects.get(app_label="articles", model="article"),
        serialized_data=json.dumps([{"model": "articles.article", "pk": first.pk,
                                     "fields": fields}]),
        object_repr="Rat tagt",
    )  # fmt: skip

    new = migrate(AFTER)
    Image = new.get_model("images", "Image")
    Article, Author = new.get_model("articles", "Article"), new.get_model("articles", "Author")
    library = {image.file.name: image for image in Image.objects.all()}
    assert set(library) == {lead, shared, photo, in_text, unused}  # nothing lost, once each
    assert all(default_storage.exists(name) for name in library)  # the files stay where they were

    first, second, third = (Article.objects.get(pk=a.pk) for a in (first, second, third))
    image = library[lead]
    assert first.lead_image_id == image.pk
    assert (image.alt_text, image.caption, image.credit) == (
        "Das Rathaus",
        "Am Morgen",
        "Paula Rehberg",
    )
    assert (image.width, image.height) == (1200, 750)
    assert (first.lead_image_alt, first.lead_image_caption) == ("", "")  # the library's words
    assert second.lead_image_id == third.lead_image_id == library[shared].pk
    assert third.lead_image_alt == "Markt von oben"  # its own words stay as an override
    assert Author.objects.get(pk=author.pk).photo_id == library[photo].pk
    assert library[photo].width == 400  # read from the file
    assert list(first.text_images.values_list("pk", flat=True)) == [library[in_text].pk]
    assert library[in_text].alt_text == "Die Unfallstelle"

    (version,) = new.get_model("reversion", "Version").objects.all()
    stored = json.loads(version.serialized_data)[0]["fields"]
    assert stored["lead_image"] == image.pk and "lead_image_credit" not in stored
