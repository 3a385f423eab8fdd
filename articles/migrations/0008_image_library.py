"""Lead images, author photos and images uploaded in the editor move into the image
library (images.Image): one library entry per stored file, with the alt text, caption and
credit it had. Nothing is deleted but the old scaled copies beside the originals, which
the library replaces. Stored versions and pending corrections are rewritten to point at
the library entry instead of the file name."""

import importlib
import json
import re
from html import unescape
from pathlib import PurePosixPath
from urllib.parse import unquote

import django.db.models.deletion
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import migrations, models
from PIL import Image as PILImage

restore_sqlite_search_triggers = importlib.import_module(
    "articles.migrations.0006_workflow"
).restore_sqlite_search_triggers

_IMG_SRC = re.compile(r'<img\b[^>]*?\ssrc="([^"]*)"[^>]*>')
_IMG_ALT = re.compile(r'\salt="([^"]*)"')
_OLD_COPY = re.compile(r"-[0-9]+w\.[a-z]+$")  # "ab12-480w.jpg", made by the old upload code


class Library:
    """Library entries by stored file name, created on first sight."""

    def __init__(self, apps):
        self.Image = apps.get_model("images", "Image")
        self.by_name = {}

    def get(self, name, *, title, alt="", caption="", credit="", width=None, height=None):
        if not name:
            return None
        if name in self.by_name:
            return self.by_name[name]
        image = self.Image.objects.filter(file=name).first()
        if image is None:
            if not (width and height):
                try:
                    with default_storage.open(name, "rb") as f, PILImage.open(f) as picture:
                        width, height = picture.size
                except (OSError, ValueError):
                    print(f"\n  Image library: {name} is missing or unreadable; not imported.")
                    self.by_name[name] = None
                    return None
            image = self.Image.objects.create(
                title=(title or PurePosixPath(name).stem)[:200],
                file=name,
                width=width,
                height=height,
                alt_text=(alt or title or "")[:250],
                caption=caption[:300],
                credit=credit[:120],
            )
            stem, _dot, ext = name.rpartition(".")
            for width in (480, 960):  # the old scaled copies; renditions replace them
                default_storage.delete(f"{stem}-{width}w.{ext}")
        self.by_name[name] = image
        return image


def _own(value, library_value):
    """A use keeps its own words only where they differ from the library's."""
    return "" if value == library_value else value


def to_library(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    Author = apps.get_model("articles", "Author")
    TextImage = apps.get_model("articles", "ArticleTextImage")
    library = Library(apps)

    rows = Article.objects.exclude(lead_image_file="").order_by("pk").values_list(
        "pk", "title", "lead_image_file", "lead_image_width", "lead_image_height",
        "lead_image_alt", "lead_image_caption", "lead_image_credit",
    )  # fmt: skip
    for pk, title, name, width, height, alt, caption, credit in rows.iterator(chunk_size=1000):
        image = library.get(name, title=title, alt=alt, caption=caption, credit=credit,
                            width=width, height=height)  # fmt: skip
        if image:
            Article.objects.filter(pk=pk).update(
                lead_image=image,
                lead_image_alt=_own(alt, image.alt_text),
                lead_image_caption=_own(caption, image.caption),
            )

    rows = Author.objects.exclude(photo_file="").values_list(
        "pk", "name", "photo_file", "photo_width", "photo_height"
    )
    for pk, name, file_name, width, height in rows:
        image = library.get(file_name, title=name, alt=name, width=width, height=height)
        if image:
            Author.objects.filter(pk=pk).update(photo=image)

    # Images uploaded in the editor, found in the text that shows them ...
    rows = Article.objects.filter(body__contains="<img").values_list("pk", "title", "body")
    for pk, title, body in rows.iterator(chunk_size=1000):
        for img in _IMG_SRC.finditer(body):
            src = unescape(img[1])
            if not src.startswith(settings.MEDIA_URL):
                continue
            alt = _IMG_ALT.search(img[0])
            name = unquote(src[len(settings.MEDIA_URL) :])
            image = library.get(name, title=title, alt=unescape(alt[1]) if alt else "")
            if image:
                TextImage.objects.get_or_create(article_id=pk, image=image)

    # ... and those uploaded but never used (nothing is lost).
    def walk(folder):
        try:
            folders, files = default_storage.listdir(folder)
        except FileNotFoundError:
            return
        for name in files:
            if not _OLD_COPY.search(name):
                yield f"{folder}/{name}"
        for sub in folders:
            yield from walk(f"{folder}/{sub}")

    for name in walk("editor"):
        library.get(name, title="")

    # Stored versions and waiting corrections named the file; they now name the entry.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Version = apps.get_model("reversion", "Version")
    content_type = ContentType.objects.filter(app_label="articles", model="article").first()
    versions = Version.objects.filter(content_type=content_type, format="json")
    for version in versions.iterator(chunk_size=500) if content_type else []:
        data = json.loads(version.serialized_data)
        fields = data[0]["fields"]
        name = fields.get("lead_image")
        if not isinstance(name, str):
            continue
        image = library.get(
            name,
            title=fields.get("title", ""),
            alt=fields.get("lead_image_alt", ""),
            caption=fields.get("lead_image_caption", ""),
            credit=fields.get("lead_image_credit", ""),
            width=fields.get("lead_image_width"),
            height=fields.get("lead_image_height"),
        )
        fields["lead_image"] = image.pk if image else None
        for old in ("lead_image_width", "lead_image_height", "lead_image_credit"):
            fields.pop(old, None)
        version.serialized_data = json.dumps(data)
        version.save(update_fields=["serialized_data"])

    PendingChange = apps.get_model("articles", "PendingChange")
    for change in PendingChange.objects.filter(state="pending"):
        data = dict(change.data)
        if isinstance(data.get("lead_image"), str):
            image = library.get(data["lead_image"], title=change.article.title)
            data["lead_image"] = image.pk if image else None
        data.pop("lead_image_credit", None)
        if data != change.data:
            change.data = data
            change.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0007_roles"),
        ("images", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [
        # Rebuilding articles_article on SQLite drops the search triggers: put back at the
        # end going forwards, and by this step (run last) going backwards.
        migrations.RunPython(
            migrations.RunPython.noop, restore_sqlite_search_triggers, elidable=False
        ),
        migrations.RenameField("article", "lead_image", "lead_image_file"),
        migrations.RenameField("author", "photo", "photo_file"),
        migrations.AddField(
            model_name="article",
            name="lead_image",
            field=models.ForeignKey(blank=True, help_text="From the image library; “+” uploads a new one.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name="lead_articles", to="images.image", verbose_name="lead image"),
        ),
        migrations.AddField(
            model_name="author",
            name="photo",
            field=models.ForeignKey(blank=True, help_text="From the image library; “+” uploads a new one.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name="authors", to="images.image", verbose_name="photo"),
        ),
        migrations.AlterField(
            model_name="article",
            name="lead_image_alt",
            field=models.CharField(blank=True, help_text="Only if this article needs other words than the library's.", max_length=250, verbose_name="alternative text"),
        ),
        migrations.AlterField(
            model_name="article",
            name="lead_image_caption",
            field=models.CharField(blank=True, help_text="Only if this article needs other words than the library's.", max_length=300, verbose_name="caption"),
        ),
        migrations.CreateModel(
            name="ArticleTextImage",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("article", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="articles.article")),
                ("image", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to="images.image")),
            ],
            options={"verbose_name": "image in the text", "verbose_name_plural": "images in the text"},
        ),
        migrations.AddField(
            model_name="article",
            name="text_images",
            field=models.ManyToManyField(blank=True, editable=False, related_name="text_articles", through="articles.ArticleTextImage", to="images.image"),
        ),
        migrations.AddConstraint(
            model_name="articletextimage",
            constraint=models.UniqueConstraint(fields=("article", "image"), name="article_text_image_once"),
        ),
        migrations.RunPython(to_library, migrations.RunPython.noop, elidable=False),
        migrations.RemoveField("article", "lead_image_file"),
        migrations.RemoveField("article", "lead_image_width"),
        migrations.RemoveField("article", "lead_image_height"),
        migrations.RemoveField("article", "lead_image_credit"),
        migrations.RemoveField("author", "photo_file"),
        migrations.RemoveField("author", "photo_width"),
        migrations.RemoveField("author", "photo_height"),
        migrations.RunPython(
            restore_sqlite_search_triggers, restore_sqlite_search_triggers, elidable=False
        ),
    ]
