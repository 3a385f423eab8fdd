"""Chosen images survive a validation error ("no lost work").

Browsers never send a file twice: after an error elsewhere in the form, the file input is
empty again. So a form with `KeepUploadsMixin` stores each valid upload of its
`keep_uploads` fields under `kept/` and renders a signed token for it beside the field;
the next submit without a new file uses the stored copy as if it had been uploaded again.

The token is signed and expires, so nobody can point a form at another stored file.
Kept files are deleted once the object using them is saved; abandoned ones are removed
by `manage.py purge_kept_uploads` (daily, e.g. from cron).

A save that cannot store its files (a full disk) must not cost anyone their text either:
`WholeFileSystemStorage` never leaves half a file behind, `storing_files()` deletes what a
failed save stored and turns the storage error into `StorageFailed` with a German message,
and `StorageFailureAdminMixin` shows an admin form again with that message.
"""

import contextlib
import errno
import logging
import os
import re
import uuid
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import PurePosixPath

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.forms.boundfield import BoundField
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from .images import reencode_image

logger = logging.getLogger(__name__)
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
        try:
            if not default_storage.exists(path):
                return None
        except OSError:  # the storage (a bucket) cannot be asked now: as if it were gone
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
        self._not_kept: set[str] = set()  # storing failed once: not tried again per render
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
        if name in self._not_kept:
            return None
        try:
            kept = KeptUpload.store(upload, earlier.name if earlier else upload.name)
        except OSError as error:  # a full disk: the form is shown anyway, the image not kept
            logger.error("Upload of field %s not kept: %s", name, error)
            self._not_kept.add(name)
            return None
        self._kept[name] = kept
        return kept


# Storing files whole, or not at all

STORAGE_FULL = _(
    "The storage space on the server is full, so the file could not be saved. Your text is "
    "not lost: it is still in the form. Please try again later and choose the image again."
)
STORAGE_FAILED = _(
    "The file could not be saved on the server. Your text is not lost: it is still in the "
    "form. Please try again later and choose the image again."
)
# The names stored by the storing_files() block running in this thread or task, if any.
_stored_names: ContextVar[list[str] | None] = ContextVar("newsroom_stored_names", default=None)


class WholeFileSystemStorage(FileSystemStorage):
    """The default storage (settings.STORAGES): each file is written under a temporary name
    in its folder and renamed into place once complete. Django's own storage leaves what it
    wrote when the disk fills up midway, a truncated image the web server would serve."""

    def _save(self, name, content):
        directory = os.path.dirname(self.path(name))
        os.makedirs(directory, exist_ok=True)
        part_path = os.path.join(directory, f".{uuid.uuid4().hex}.part")
        try:
            # As Django's _save does: the umask applies, FILE_UPLOAD_PERMISSIONS after the move.
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
            with os.fdopen(os.open(part_path, flags, 0o666), "wb") as out:
                for chunk in content.chunks():
                    out.write(chunk.encode() if isinstance(chunk, str) else chunk)
            # Django moves a file with a temporary path into place by renaming it.
            name = super()._save(name, _WrittenFile(part_path))
        except OSError as error:
            raise StorageWriteError(error.errno, error.strerror, name) from error
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(part_path)  # only still there if something failed
        stored = _stored_names.get()
        if stored is not None:
            stored.append(name)
        return name


class StorageWriteError(OSError):
    """A file could not be written (still an OSError for code that expects one)."""


class _WrittenFile:
    def __init__(self, path: str) -> None:
        self.path = path

    def temporary_file_path(self) -> str:
        return self.path


class StorageFailed(Exception):
    """A save could not store its files; `message` tells the person whose form it was."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error
        full = error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
        self.message = STORAGE_FULL if full else STORAGE_FAILED


@contextlib.contextmanager
def storing_files():
    """Wrap a save that stores files: if the storage fails (a full disk, missing
    permissions), the files this save stored so far are deleted again and StorageFailed is
    raised. Files are stored before their row is written (in `pre_save`), so the save's
    transaction, inside this block, has rolled back. Not around all of it: callers may
    commit some rows at once on purpose (the job-ad submission limit). Other errors pass
    unchanged, the files kept (an error after the commit must not take the saved files)."""
    stored: list[str] = []
    token = _stored_names.set(stored)
    try:
        yield
    except StorageWriteError as error:
        for name in stored:
            with contextlib.suppress(OSError):
                default_storage.delete(name)
        logger.error("Files not stored, %s deleted again: %s", len(stored), error)
        raise StorageFailed(error) from error
    finally:
        _stored_names.reset(token)


class StorageFailureAdminMixin:
    """For ModelAdmins whose forms store files: a save the storage refuses shows the form
    again with everything typed in it and the message, instead of a server error."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        try:
            # The admin's own transaction is inside: it has rolled back when this ends.
            with storing_files():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except StorageFailed as failure:
            request.storage_failure = failure
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        failure = getattr(request, "storage_failure", None)
        if failure is None:
            return form

        class RefusedForm(form):
            def clean(self):
                super().clean()
                raise ValidationError(failure.message, code="storage_failed")

        return RefusedForm
