"""factory_boy factories for the articles app, shared by every app's tests."""

from datetime import timedelta
from io import BytesIO

import factory
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from articles.models import Article, Author, Category
from images.models import Image as LibraryImage


def image_upload(name="foto.jpg", size=(640, 400), color=(30, 90, 160), fmt="JPEG", **save_kw):
    """A real image file as a browser would upload it."""
    out = BytesIO()
    Image.new("RGB", size, color).save(out, fmt, **save_kw)
    content_type = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif"}.get(fmt, "")
    return SimpleUploadedFile(name, out.getvalue(), content_type=content_type)


class ImageFactory(factory.django.DjangoModelFactory):
    """A library image (stored, re-encoded, under a random name)."""

    class Meta:
        model = LibraryImage

    title = factory.Sequence(lambda n: f"Bild {n}")
    file = factory.LazyFunction(image_upload)
    alt_text = "Blick auf den Marktplatz"
    caption = ""
    credit = "Clara Weiß"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Rubrik {n}")
    slug = factory.Sequence(lambda n: f"rubrik-{n}")


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Autorin {n}")
    slug = factory.Sequence(lambda n: f"autorin-{n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Meldung Nummer {n}")
    slug = factory.Sequence(lambda n: f"meldung-{n}")
    lead = "Ein kurzer Anreißer für die Listen."
    body = "<p>Der Text des Artikels.</p>"
    category = factory.SubFactory(CategoryFactory)
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        # A byline by default, as publishing requires one; authors=[] for none.
        if create:
            self.authors.set([AuthorFactory()] if extracted is None else extracted)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


STAFF_PASSWORD = "lang-genug-123"


def member(django_user_model, username, group=None, **extra):
    """A staff account in `group` (the groups come from the migrations), with a logged-in
    test client: (user, client)."""
    fields = {"is_staff": True, "first_name": username.title(), "email": f"{username}@example.org"}
    fields |= extra
    user = django_user_model.objects.create_user(username, password=STAFF_PASSWORD, **fields)
    if group:
        user.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(user)
    return user, client
