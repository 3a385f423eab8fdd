"""What the WordPress import brought over, by WordPress's own ids: a second run of the same
or a newer export updates what changed there, adds what is new, never duplicates, and
leaves alone what an editor has changed here since."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# What an imported article lacks compared with today's publish gates, in the editors' words.
MISSING = {
    "title": _("headline (made from the first words)"),
    "lead": _("teaser"),
    "authors": _("author"),
    "lead_image_alt": _("alternative text of the lead image"),
    "lead_image_credit": _("photo credit of the lead image"),
    "lead_image_file": _("lead image (file missing)"),
    "text_images": _("images in the text (file missing)"),
}


class ImportedItemQuerySet(models.QuerySet):
    def incomplete_articles(self):
        return self.filter(kind=ImportedItem.Kind.POST).exclude(missing=[])


class ImportedItem(models.Model):
    class Kind(models.TextChoices):
        POST = "post", _("article")
        PAGE = "page", _("page")
        ATTACHMENT = "attachment", _("image")
        CATEGORY = "category", _("category")
        TAG = "tag", _("tag")
        AUTHOR = "author", _("author")

    site = models.CharField(_("WordPress site"), max_length=200)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    wp_id = models.BigIntegerField(_("WordPress ID"))
    guid = models.CharField(_("GUID"), max_length=500, blank=True, db_index=True)
    object_id = models.BigIntegerField(_("object"))
    # What WordPress had at the last import, and what the import wrote here: an export
    # whose item is unchanged is skipped; an object that no longer matches what was
    # written has been edited here and is left alone.
    source_hash = models.CharField(max_length=64)
    written_hash = models.CharField(max_length=64)
    missing = models.JSONField(_("missing"), default=list, blank=True)
    imported_at = models.DateTimeField(_("imported"), auto_now=True)

    objects = ImportedItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("imported WordPress item")
        verbose_name_plural = _("imported WordPress items")
        constraints = [
            models.UniqueConstraint(fields=["site", "kind", "wp_id"], name="wordpress_item_once"),
        ]
        indexes = [models.Index(fields=["kind", "object_id"], name="wordpress_item_object_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.wp_id}"

    @property
    def missing_labels(self) -> list[str]:
        return [str(MISSING.get(code, code)) for code in self.missing]
