"""What the WordPress import brought over, by WordPress's own ids: a second run of the same
or a newer export updates what changed there, adds what is new, never duplicates, and
leaves alone what an editor has changed here since. And the imports started from the admin
(ImportRun): the uploaded export waits in a private folder until the worker has run it."""

import os
import uuid
import zlib
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import date_format
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


# --- Imports started from the admin ------------------------------------------------------

# An export is text and compresses well; a site of 100,000 posts writes a few hundred MB.
EXPORT_MAX_BYTES = 1024**3
SNIFF_BYTES = 64 * 1024  # WordPress declares its namespace on <rss>, after a short comment
GZIP_MAGIC = b"\x1f\x8b"
# What people upload by mistake, named in the refusal.
NOT_AN_EXPORT = [
    (b"\xff\xd8\xff", _("a JPEG image")),
    (b"\x89PNG", _("a PNG image")),
    (b"GIF8", _("a GIF image")),
    (b"RIFF", _("an image or media file")),
    (b"%PDF", _("a PDF document")),
    (b"PK\x03\x04", _("a ZIP archive (unpack it and upload the .xml file inside)")),
]


def import_dir() -> Path:
    """Where uploaded exports wait for the worker. Never below MEDIA_ROOT, which the proxy
    serves to anyone: an export holds drafts, private posts and the authors' addresses.
    Web server and worker must see the same folder."""
    return Path(settings.WORDPRESS_IMPORT_DIR)


class ImportStorage(FileSystemStorage):
    """The private folder of uploaded exports: no URL, readable by the app's user only.
    The folder is read from the settings at each use (not frozen at start-up)."""

    def __init__(self):
        super().__init__(file_permissions_mode=0o600, directory_permissions_mode=0o700)

    @property
    def base_location(self):
        return str(import_dir())

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None  # url() refuses: these files are never served


_import_storage = ImportStorage()


def import_storage() -> ImportStorage:
    return _import_storage


def export_upload_name(run, filename: str) -> str:
    """A random name, keeping .gz (the original name is on the run)."""
    suffix = ".xml.gz" if filename.lower().endswith(".gz") else ".xml"
    return f"{uuid.uuid4().hex}{suffix}"


def validate_export(file) -> None:
    """Refuse what is plainly no WordPress export before it is queued: too large, not XML
    (also inside gzip), or XML without WordPress's export namespace. The import itself checks
    the whole file when it runs, and reports what it refuses."""
    if file.size > EXPORT_MAX_BYTES:
        raise ValidationError(
            _("The file is too large (%(size)s); the limit is %(limit)s."),
            code="too_large",
            params={"size": filesizeformat(file.size), "limit": filesizeformat(EXPORT_MAX_BYTES)},
        )
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    if head.startswith(GZIP_MAGIC):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, SNIFF_BYTES)
        except zlib.error as error:
            raise ValidationError(
                _("The file is not a valid gzip archive."), code="bad_gzip"
            ) from error
    for magic, kind in NOT_AN_EXPORT:
        if head.startswith(magic):
            raise ValidationError(
                _(
                    "The file is %(kind)s, not a WordPress export. Expected the WXR file from "
                    "WordPress (Tools → Export, “All content”): .xml or .xml.gz."
                ),
                code="not_xml",
                params={"kind": kind},
            )
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not text.startswith(b"<") or b"<rss" not in head or b"wordpress.org/export/" not in head:
        raise ValidationError(
            _(
                "The file is not a WordPress export. Expected the WXR file from WordPress "
                "(Tools → Export, “All content”): .xml or .xml.gz."
            ),
            code="not_wxr",
        )


class ImportRunQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ImportRun.ACTIVE)


class ImportRun(models.Model):
    """An import started from the admin: the uploaded export, run by the worker
    (wordpress.tasks), with its progress and the report."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    file = models.FileField(
        _("WordPress export"),
        storage=import_storage,
        upload_to=export_upload_name,
        max_length=255,
        blank=True,  # emptied when the run is over: the file is deleted then
        validators=[validate_export],
        help_text=_(
            "The WXR file from WordPress (Tools → Export, “All content”), .xml or .xml.gz. "
            "Image files are downloaded from the old site, as the command import_wordpress "
            "does without --uploads; a copied wp-content/uploads folder can only be used "
            "with that command. The file is kept in a private folder and deleted after "
            "the import."
        ),
    )
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    dry_run = models.BooleanField(
        _("dry run"),
        default=False,
        help_text=_("Check everything and show the report, but write nothing."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.CharField(_("progress"), max_length=200, blank=True)
    report = models.TextField(_("report"), blank=True)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(_("task"), max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = ImportRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "running", "done", "failed"]),
                name="wordpress_importrun_status_valid",
                violation_error_message=_("The import's status is not one of its states."),
            ),
        ]

    def __str__(self):
        when = date_format(timezone.localtime(self.created_at), "SHORT_DATETIME_FORMAT")
        return f"{self.file_name or _('WordPress export')}, {when}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def current_progress(self) -> str:
        """The latest progress line while it runs: the row's, or on SQLite the cache's
        (wordpress.tasks.ProgressWriter says why)."""
        if self.status != self.Status.RUNNING:
            return ""
        return self.progress or cache.get(progress_cache_key(self.pk), "")

    @property
    def report_lines(self) -> list[str]:
        return self.report.splitlines()

    def delete(self, *args, **kwargs):
        name = self.file.name
        result = super().delete(*args, **kwargs)
        if name:
            import_storage().delete(name)
        return result


def progress_cache_key(run_id: int) -> str:
    return f"wordpress:import-progress:{run_id}"
