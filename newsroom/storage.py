"""Media in S3-compatible object storage (MEDIA_STORAGE=s3, settings.STORAGES).

django-storages' S3 backend, made to behave as the disk storage it replaces
(`newsroom.uploads.WholeFileSystemStorage`), so that the rest of the code does not care:

- Addresses stay on the portal's own origin (MEDIA_URL, /media/...): readers never get the
  bucket's address, nor a signed one; the proxy fetches /media/ from the bucket.
- A taken name gets a new one, as on disk (no overwriting): `images.renditions` relies on
  it when two servers make the same rendition at once.
- A file is there whole or not at all: S3 shows an object only once its upload is
  complete, and a failed multipart upload is aborted. Failures are OSErrors, as a disk's
  are: a write that fails is a `StorageWriteError`, so `storing_files()` deletes what the
  save stored and the form is shown again with the German message.
- Requests give up after MEDIA_STORAGE_TIMEOUT seconds, with one retry.
- No ACLs are sent: what readers may fetch is the bucket policy's business (README).
"""

import contextlib
import errno
from collections.abc import Iterator
from typing import BinaryIO

from boto3.exceptions import Boto3Error
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.files.storage import storages
from django.utils.encoding import filepath_to_uri
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

# The bookkeeping of storing_files(), shared with WholeFileSystemStorage.
from .uploads import StorageWriteError, _stored_names

# S3 error codes that mean "no room": the form then says the storage is full.
_FULL = {
    "QuotaExceeded": errno.EDQUOT,
    "XMinioAdminBucketQuotaExceeded": errno.EDQUOT,
    "XMinioStorageFull": errno.ENOSPC,
    "EntityTooLarge": errno.EFBIG,
}
_MISSING = {"404", "NoSuchKey", "NotFound"}


class StorageUnavailable(OSError):
    """The bucket could not be reached or refused a request (an OSError, as a disk's
    failures are, so callers that handle an unreadable file handle this too)."""


def _os_error(error: Exception, name: str) -> OSError:
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in _MISSING:
            return FileNotFoundError(errno.ENOENT, f"Not in the bucket: {error}", name)
        number = _FULL.get(code, errno.EACCES if code == "AccessDenied" else errno.EIO)
        return StorageUnavailable(number, str(error), name)
    return StorageUnavailable(errno.EIO, f"{type(error).__name__}: {error}", name)


@contextlib.contextmanager
def translated_errors(name: str):
    """Turns boto's exceptions into OSErrors: FileNotFoundError for a missing object,
    StorageUnavailable for the rest."""
    try:
        yield
    except (ClientError, BotoCoreError, Boto3Error) as error:
        raise _os_error(error, name) from error


class MediaS3Storage(S3Storage):
    # Class attributes win over django-storages' settings (OPTIONS still override them):
    # this is what the callers expect, not a choice per installation.
    file_overwrite = False  # as on disk: a taken name gets another one
    querystring_auth = False  # public media: never a signed, expiring address
    default_acl = None  # no ACLs: many buckets refuse them (object ownership enforced)

    def get_default_settings(self):
        defaults = super().get_default_settings()
        # Read into a spooled file: larger originals go to a temporary file, not memory.
        defaults["max_memory_size"] = settings.FILE_UPLOAD_MAX_MEMORY_SIZE
        return defaults

    def __init__(self, **options):
        super().__init__(**options)
        timeout = settings.MEDIA_STORAGE_TIMEOUT
        self.client_config = self.client_config.merge(
            Config(
                connect_timeout=timeout,
                read_timeout=timeout,
                retries={"mode": "standard", "max_attempts": 2},
            )
        )

    def url(self, name, parameters=None, expire=None, http_method=None):
        # Like FileSystemStorage.url: the portal's own address, which the proxy serves
        # from the bucket. A trailing slash stays (images.renditions builds on it).
        return settings.MEDIA_URL + filepath_to_uri(name).lstrip("/")

    def save(self, name, content, max_length=None):
        try:
            name = super().save(name, content, max_length=max_length)
        except StorageWriteError:
            raise
        except OSError as error:  # the bucket is unreachable, or reading the upload failed
            number, text = error.errno or errno.EIO, error.strerror or str(error)
            raise StorageWriteError(number, text, name) from error
        stored = _stored_names.get()
        if stored is not None:
            stored.append(name)
        return name

    def _save(self, name, content):
        with translated_errors(name):
            return super()._save(name, content)

    def _open(self, name, mode="rb"):
        with translated_errors(name):
            file = super()._open(name, mode)
            if "r" in mode:
                # Downloaded now rather than on the first read(), so that a failure is an
                # OSError here and not an error from inside Pillow or a response.
                file.file  # noqa: B018
        return file

    def exists(self, name):
        with translated_errors(name):
            return super().exists(name)

    def delete(self, name):
        with translated_errors(name):
            super().delete(name)

    def listdir(self, name):
        with translated_errors(name):
            return super().listdir(name)

    def size(self, name):
        with translated_errors(name):
            return super().size(name)

    def get_modified_time(self, name):
        with translated_errors(name):
            return super().get_modified_time(name)

    # For what the storage API has no words for: every object, streamed (backup, restore
    # and move_media, which copy files under their names as they are).

    @property
    def client(self):
        return self.connection.meta.client

    def iter_objects(self, folder: str | None = None) -> Iterator[tuple[str, int]]:
        """Every object's name and size (only those directly in `folder`, if given), read
        a page (1,000 keys) at a time, so that a bucket of millions is never listed into
        memory."""
        prefix = f"{self.location}/" if self.location else ""
        listing = {"Bucket": self.bucket_name, "Prefix": prefix}
        if folder is not None:
            listing |= {"Prefix": prefix + (f"{folder}/" if folder else ""), "Delimiter": "/"}
        with translated_errors(listing["Prefix"]):
            pages = self.client.get_paginator("list_objects_v2").paginate(**listing)
            for page in pages:
                for entry in page.get("Contents", ()):
                    if not entry["Key"].endswith("/"):  # a "folder" some tools create
                        yield entry["Key"][len(prefix) :], entry["Size"]

    def is_empty(self) -> bool:
        return next(self.iter_objects(), None) is None

    def check(self) -> None:
        """Raises StorageUnavailable unless the bucket answers (an address that is wrong,
        a bucket that does not exist, keys it refuses)."""
        with translated_errors(self.bucket_name):
            self.client.head_bucket(Bucket=self.bucket_name)

    def stream(self, name: str):
        """The object's body to read in chunks, its size and its modification time (a
        POSIX timestamp); FileNotFoundError if it is gone."""
        with translated_errors(name):
            found = self.client.get_object(Bucket=self.bucket_name, Key=self._key(name))
        return found["Body"], found["ContentLength"], found["LastModified"].timestamp()

    def put(self, name: str, file: BinaryIO) -> None:
        """Store `file` under exactly `name`, replacing what is there: streamed in parts
        (never the whole file in memory), and an object only once it is complete."""
        key = self._key(name)
        with translated_errors(name):
            self.bucket.Object(key).upload_fileobj(
                file, ExtraArgs=self._get_write_parameters(key), Config=self.transfer_config
            )

    def _key(self, name: str) -> str:
        return self._normalize_name(clean_name(name))


def media_bucket() -> MediaS3Storage | None:
    """The default storage when media lives in a bucket (MEDIA_STORAGE=s3), else None."""
    storage = storages["default"]
    return storage if isinstance(storage, MediaS3Storage) else None
