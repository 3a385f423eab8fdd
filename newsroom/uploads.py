"""Chosen images survive a validation error ("no lost work").

Browsers never send a file twice: after an error elsewhere in the form, the file input is
empty again. So a form with `KeepUploadsMixin` stores each valid upload of its
`keep_uploads` fields under `kept/` and renders a signed token for it beside the field;
the next submit without a new file uses the stored copy as if it had been uploaded again.

The token is signed and expires, so nobody can point a form at another stored file.
Kept files are deleted once the object using them is saved; abandoned ones are removed
by `manage.py purge_kept_uploads` (daily, e.g. from cron).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import PurePosixPath

from django.core import signing
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString, mark_safe

from .images import reencode_image

KEPT_DIR = "kept"
KEPT_MAX_AGE = timedelta(days=1)
KEPT_TEMPLATE = "newsroom/widgets/kept_upload.html"
_SALT = "newsroom.uploads.kept"
# Only names this module creates: even a forged signature could not reach other files.
_KEPT_PATH = re.compile(rf"^{KEPT_DIR}/[0-9a-f]{{32}}\.(?:jpg|png|gif|webp)$")
_CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "webp": "image/webp"}


@dataclass(frozen=True)
class KeptUpload:
    path: str  # in the default storage
    name: str  # the file name the user chose, shown back to them
    token: str

    @classmethod
    def store(cls, upload: UploadedFile, name: str) -> "KeptUpload":
        # The re-encoded copy: the kept file has a URL, so no EXIF/GPS data may reach it.
        clean = reencode_image(upload)
        path = default_storage.save(f"{KEPT_DIR}/{clean.name}", clean)
        name = PurePosixPath(name or "").name[:100] or clean.name
        return cls(path, name, signing.dumps([path, name], salt=_SALT, compress=True))

    @classmethod
    def from_token(cls, token: str) -> "KeptUpload | None":
        """The kept file a token names, or None if it is forged, expired or gone."""
        try:
            path, name = signing.loads(token, salt=_SALT, max_age=KEPT_MAX_AGE)
        except (signing.BadSignature, TypeError, ValueError):
            return None
        if not isinstance(path, str) or not _KEPT_PATH.match(path):
            return None
        if not default_storage.exists(path):
            return None
        return cls(path, str(name), token)

    def exists(self) -> bool:
        return default_storage.exists(self.path)

    def as_upload(self) -> UploadedFile:
        """The stored image as a fresh upload, for the form field and the model to process."""
        with default_storage.open(self.path, "rb") as stored:
            content = stored.read()
        filename = PurePosixPath(self.path).name
        content_type = _CONTENT_TYPES.get(filename.rpartition(".")[2], "")
        return SimpleUploadedFile(filename, content, content_type)

    def delete(self) -> None:
        default_storage.delete(self.path)

    @property
    def url(self) -> str:
        return default_storage.url(self.path)


class KeptUploadBoundField(BoundField):
    """Renders the field's widget followed by the kept-image notice and its token."""

    def as_widget(self, widget=None, attrs=None, only_initial=False) -> SafeString:
        html = super().as_widget(widget, attrs, only_initial)
        if widget is not None or only_initial:
            return html  # as_hidden() and the like: the plain widget only
        kept = self.form.kept_upload(self.name)
        if kept is None:
            return html
        context = {"name": self.html_name, "id": self.auto_id, "kept": kept}
        return html + mark_safe(self.form.renderer.render(KEPT_TEMPLATE, context))

    @property
    def aria_describedby(self) -> str | None:
        described = super().aria_describedby
        if described is None or not self.auto_id or self.form.kept_upload(self.name) is None:
            return described
        return " ".join(filter(None, [described, f"{self.auto_id}_kept"]))


class KeepUploadsMixin:
    """Form mixin: valid image uploads of the `keep_uploads` fields survive form errors.

    Names ending in "__kept" (the token) and "__kept_discard" (the user's "do not use it")
    are reserved beside each kept field.
    """

    keep_uploads: Sequence[str] = ()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._kept: dict[str, KeptUpload] = {}
        for name in self.keep_uploads:
            if name not in self.fields:
                continue  # read-only for this user (view permission only)
            self.fields[name].bound_field_class = KeptUploadBoundField
            if self.is_bound:
                self._redeem(name)

    def _redeem(self, name: str) -> None:
        """Put a kept file back in place of the upload the browser did not send again."""
        key = self.add_prefix(name)
        kept = KeptUpload.from_token(self.data.get(f"{key}__kept") or "")
        if kept is None:
            return
        if self.files.get(key) or self.data.get(f"{key}__kept_discard"):
            kept.delete()  # a newly chosen file wins; a discarded one is not needed again
            return
        self.files = self.files.copy()  # never change request.FILES itself
        self.files[key] = kept.as_upload()
        self._kept[name] = kept

    def full_clean(self) -> None:
        super().full_clean()
        if self._errors or not self._kept:
            return
        # The image is now in memory and goes into the object; its kept copy goes once
        # that is committed (a failed save rolls back and leaves it to the purge command).
        for kept in self._kept.values():
            transaction.on_commit(partial(self._delete_used, kept))

    def _delete_used(self, kept: KeptUpload) -> None:
        # Not if the view added an error after validation: the form, shown again, offers it.
        if not self._errors:
            kept.delete()

    def kept_upload(self, name: str) -> KeptUpload | None:
        """The image to carry over to the next submit of this erroneous form, or None.

        Stored on first use (when the form is shown again), so errors added by the view
        after validation, e.g. a submission limit, keep the image too.
        """
        if not self.is_bound or not self.errors or name in self.errors:
            return None
        earlier = self._kept.get(name)
        if earlier is not None and earlier.exists():
            return earlier
        upload = self.cleaned_data.get(name)
        if not isinstance(upload, UploadedFile):
            return None  # nothing new chosen, or the stored image kept as it is
        self._kept[name] = KeptUpload.store(upload, earlier.name if earlier else upload.name)
        return self._kept[name]
