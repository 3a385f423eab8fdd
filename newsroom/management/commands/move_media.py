"""Copy the media between MEDIA_ROOT and the bucket, for switching MEDIA_STORAGE.

`--to s3` copies every file of MEDIA_ROOT into the bucket (AWS_STORAGE_BUCKET_NAME and the
other AWS_* settings), `--to disk` every object of the bucket into MEDIA_ROOT, each under
the same name. A file already at the target with the same size is skipped, so the command
can run again after the switch to copy what was uploaded meanwhile, and a second run copies
nothing. Files are streamed (a part of at most 8 MB in memory) and appear whole or not at
all. The source is never deleted: that is the operator's step, once the site runs on the
target.
"""

import contextlib
import os
import tempfile
import time
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from newsroom.storage import MediaS3Storage, translated_errors

PROGRESS_EVERY = 5  # seconds between plain progress lines when not on a terminal


class Progress:
    """A bar on a terminal (tqdm), a line with the counts every few seconds otherwise."""

    def __init__(self, stdout, total: int):
        self.stdout, self.total = stdout, total
        self.copied = self.present = 0
        self.last = time.monotonic()
        self.bar = None
        if stdout.isatty():
            from tqdm import tqdm

            # The raw stream: Django's wrapper would end each of tqdm's updates with a newline.
            self.bar = tqdm(total=total, unit=_("files"), file=stdout._out)

    def update(self, copied: bool) -> None:
        if copied:
            self.copied += 1
        else:
            self.present += 1
        if self.bar is not None:
            self.bar.update(1)
        elif time.monotonic() - self.last >= PROGRESS_EVERY:
            self.last = time.monotonic()
            self.stdout.write(self.line())

    def line(self) -> str:
        return _("%(done)s of %(total)s files: %(copied)s copied, %(present)s already there") % {
            "done": self.copied + self.present,
            "total": self.total,
            "copied": self.copied,
            "present": self.present,
        }

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _is_partial(name: str) -> bool:
    # A temporary file of newsroom.uploads.WholeFileSystemStorage (a write that never ended).
    return name.startswith(".") and name.endswith(".part")


def _disk_files(root: Path):
    """(folder relative to root, [(name, size)]) for each folder under root, in order."""
    for folder, subfolders, names in os.walk(root):  # follows no links
        subfolders.sort()
        relative = Path(folder).relative_to(root).as_posix()
        files = []
        for name in sorted(names):
            path = Path(folder, name)
            if not _is_partial(name) and path.is_file() and not path.is_symlink():
                files.append((name, path.stat().st_size))
        yield "" if relative == "." else relative, files


def _to_bucket(root: Path, bucket: MediaS3Storage, stdout) -> Progress:
    progress = Progress(stdout, sum(len(files) for _folder, files in _disk_files(root)))
    for folder, files in _disk_files(root):
        if not files:
            continue
        # One listing per folder instead of a request per file; a folder's worth in memory.
        there = {PurePosixPath(key).name: size for key, size in bucket.iter_objects(folder)}
        for name, size in files:
            key = f"{folder}/{name}" if folder else name
            copy = there.get(name) != size
            if copy:
                with open(root / key, "rb") as file:
                    bucket.put(key, file)
            progress.update(copy)
    return progress


def _safe_target(root: Path, key: str) -> Path | None:
    parts = PurePosixPath(key).parts
    if not parts or key.startswith("/") or ".." in parts or key != "/".join(parts):
        return None
    return root.joinpath(*parts)


def _to_disk(root: Path, bucket: MediaS3Storage, stdout, stderr) -> Progress:
    progress = Progress(stdout, sum(1 for _object in bucket.iter_objects()))
    for key, size in bucket.iter_objects():
        target = _safe_target(root, key)
        if target is None:  # e.g. "a//b" or "../x", written by another tool
            stderr.write(_("%(key)s is not a name for MEDIA_ROOT; not copied.") % {"key": key})
            continue
        copy = not (target.is_file() and target.stat().st_size == size)
        if copy:
            _download(bucket, key, target)
        progress.update(copy)
    return progress


def _download(bucket: MediaS3Storage, key: str, target: Path) -> None:
    """Written under a temporary name beside the target and renamed when complete, as
    WholeFileSystemStorage writes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    body, _size, mtime = bucket.stream(key)
    fd, partial = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, contextlib.closing(body), translated_errors(key):
            for chunk in body.iter_chunks(1 << 20):
                out.write(chunk)
        os.chmod(partial, settings.FILE_UPLOAD_PERMISSIONS or 0o644)
        os.utime(partial, (mtime, mtime))
        os.replace(partial, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(partial)  # only still there if something failed


class Command(BaseCommand):
    help = (
        "Copy every media file from MEDIA_ROOT into the bucket (--to s3) or from the bucket "
        "into MEDIA_ROOT (--to disk), for switching MEDIA_STORAGE. Files already there with "
        "the same size are skipped: run it again after the switch to copy what was uploaded "
        "meanwhile. The source is not deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--to", choices=["s3", "disk"], required=True, help="Where the files go."
        )

    def handle(self, *args, to, **options):
        if not settings.AWS_STORAGE_BUCKET_NAME:
            raise CommandError(_("Set AWS_STORAGE_BUCKET_NAME (and the bucket's address) first."))
        bucket = MediaS3Storage()
        root = Path(settings.MEDIA_ROOT)
        where = {"bucket": bucket.bucket_name, "endpoint": bucket.endpoint_url or "AWS S3"}
        try:
            bucket.check()
        except OSError as error:
            raise CommandError(
                _("The bucket %(bucket)s at %(endpoint)s cannot be reached: %(error)s")
                % {**where, "error": error}
            ) from error
        try:
            if to == "s3":
                progress = _to_bucket(root, bucket, self.stdout)
            else:
                progress = _to_disk(root, bucket, self.stdout, self.stderr)
        except OSError as error:  # the bucket went away midway, a full disk
            raise CommandError(
                _("Copying stopped: %(error)s. Run the command again to go on; what was "
                  "copied is skipped.") % {"error": error}
            ) from error  # fmt: skip
        progress.close()
        self.stdout.write(progress.line())
        source = (
            _("MEDIA_ROOT (%(root)s)") % {"root": root}
            if to == "s3"
            else _("the bucket %(bucket)s") % where
        )
        self.stdout.write(
            _("Nothing was deleted: %(source)s still holds every file.") % {"source": source}
        )
