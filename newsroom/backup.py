"""Backup and restore: the database and the media files it refers to, in one archive.

A library image's row names its file, and the file is useless without the row, so both go
into one compressed archive per run, `BACKUP_DIR/newsroom-YYYYMMDD-HHMMSSZ.tar.gz` (UTC, so
names sort in time order across the change to and from summer time):

- `database.sqlite3` (SQLite's online backup API) or `database.pgdump` (`pg_dump`, custom
  format): a consistent snapshot, taken while the site runs;
- `media/...`: every regular file under MEDIA_ROOT, or with MEDIA_STORAGE=s3 every object
  of the bucket, under the same names (an archive of either restores into either);
- `manifest.json`: format, time, database vendor, each file's size and SHA-256.

The database is copied first, then the media. A file uploaded meanwhile is a harmless extra;
a file deleted in those seconds (a library image deleted in the admin) is missing from the
archive although its row is in it: the run reports such files. The archive is written under
a temporary name and renamed when complete, so a failed run (a full disk) never leaves a
half archive that retention (BACKUP_KEEP) could keep in place of a good one.

Objects are streamed from the bucket into the archive, a page of 1,000 keys listed at a
time, and the manifest's entries go to a file as they are made: memory stays the same for a
bucket of millions.

`restore` unpacks and checks every file against the manifest before it changes anything,
writes the media first, into MEDIA_ROOT or the bucket (files without rows are harmless,
rows without files are not), then replaces the whole database in one step, and empties the
caches.

Own code rather than django-dbbackup: that keeps the database and the media in two
archives made by two commands with separate retention, which can drift apart; here one
archive is one consistent point in time. What is left is small: the stdlib's tarfile,
sqlite3's backup API, and pg_dump/pg_restore.
"""

import glob
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _

from .storage import MediaS3Storage, media_bucket, translated_errors

FORMAT = 1
MANIFEST = "manifest.json"
MEDIA = "media"
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
ARCHIVE_NAME = re.compile(r"^newsroom-(\d{8}-\d{6})Z(?:-(\d+))?\.tar\.gz$")
# Rows that `migrate` writes itself: a freshly migrated install has them and is still empty.
WRITTEN_BY_MIGRATE = {
    "contenttypes.contenttype",
    "auth.permission",
    "auth.group",
    "sessions.session",
}


class BackupError(Exception):
    """A backup or restore that cannot go on; the message is for the operator."""


@dataclass
class BackupResult:
    path: Path
    size: int
    media_files: int
    vanished: list[str] = field(default_factory=list)  # deleted while the backup ran
    skipped: list[str] = field(default_factory=list)  # bucket keys no restore would accept
    deleted: list[Path] = field(default_factory=list)  # old archives beyond BACKUP_KEEP


@dataclass
class RestoreResult:
    created: datetime
    media_files: int
    migrations_pending: bool


# --- Archives in BACKUP_DIR -----------------------------------------------------------


def _sort_key(path: Path) -> tuple[str, int]:
    match = ARCHIVE_NAME.match(path.name)
    return match[1], int(match[2] or 1)


def archives(directory: Path | None = None) -> list[Path]:
    """The backup archives in `directory` (default BACKUP_DIR), oldest first."""
    directory = Path(directory or settings.BACKUP_DIR)
    if not directory.is_dir():
        return []
    found = [p for p in directory.iterdir() if ARCHIVE_NAME.match(p.name) and p.is_file()]
    return sorted(found, key=_sort_key)


def _new_archive_path(directory: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path, number = directory / f"newsroom-{stamp}Z.tar.gz", 1
    while path.exists():  # two runs within one second
        number += 1
        path = directory / f"newsroom-{stamp}Z-{number}.tar.gz"
    return path


def _prune(directory: Path, keep: int) -> list[Path]:
    if keep <= 0:  # 0 keeps every archive
        return []
    old = archives(directory)[:-keep]
    for path in old:
        path.unlink()
    return old


# --- Backup ---------------------------------------------------------------------------


class _HashingReader:
    """Hashes what tarfile reads, so the checksum is of exactly the bytes archived."""

    def __init__(self, file):
        self.file = file
        self.sha256 = hashlib.sha256()

    def read(self, size=-1):
        data = self.file.read(size)
        self.sha256.update(data)
        return data


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> dict:
    with open(path, "rb") as file:
        stat = os.fstat(file.fileno())
        return _add_stream(tar, file, name, stat.st_size, stat.st_mtime)


def _add_stream(tar: tarfile.TarFile, file, name: str, size: int, mtime: float) -> dict:
    """Copies `size` bytes of `file` into the archive a block at a time (a short file is
    an OSError: tarfile refuses to pad it)."""
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, mtime, 0o644
    reader = _HashingReader(file)
    tar.addfile(info, reader)
    return {"name": name, "size": size, "sha256": reader.sha256.hexdigest()}


class _Manifest:
    """The manifest, its file entries written to disk as they are made (one line each),
    so that a backup of millions of files does not hold them all in memory."""

    def __init__(self, directory: str):
        self.path = Path(directory, MANIFEST)
        self.entries = open(Path(directory, "entries.json"), "w+", encoding="utf-8")
        self.count = 0

    def add(self, entry: dict) -> None:
        self.entries.write(("" if not self.count else ",\n") + json.dumps(entry))
        self.count += 1

    def write(self) -> Path:
        head = {
            "format": FORMAT,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": connection.vendor,
        }
        with open(self.path, "w", encoding="utf-8") as out:
            out.write(json.dumps(head)[:-1] + ', "files": [\n')
            self.entries.seek(0)
            shutil.copyfileobj(self.entries, out)
            out.write("\n]}\n")
        self.entries.close()
        return self.path


def _add_media_root(tar, root: Path, manifest: _Manifest, result: "BackupResult"):
    for path in _media_files(root):
        name = f"{MEDIA}/{path.relative_to(root).as_posix()}"
        try:
            manifest.add(_add_file(tar, path, name))
        except FileNotFoundError:
            result.vanished.append(name)


def _add_bucket(tar, storage: MediaS3Storage, manifest: _Manifest, result: "BackupResult"):
    """Every object of the bucket into the archive, each streamed from its GET."""
    for key, _size in storage.iter_objects():
        name = f"{MEDIA}/{key}"
        if not _expected_name(name):  # e.g. "a//b" or "../x", written by another tool
            result.skipped.append(key)
            continue
        try:
            body, size, mtime = storage.stream(key)
        except FileNotFoundError:
            result.vanished.append(name)
            continue
        with closing(body), translated_errors(key):  # a broken stream is an OSError
            manifest.add(_add_stream(tar, body, name, size, mtime))


def _media_files(root: Path) -> list[Path]:
    if not root.is_dir():
        return []

    def unreadable(error):  # a folder left out silently would be missing from the backup
        raise error

    files = []
    for folder, subfolders, names in os.walk(root, onerror=unreadable):  # follows no links
        subfolders.sort()
        for name in sorted(names):
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                files.append(path)
    return files


def _pg_tool(name: str) -> str:
    """pg_dump/pg_restore from PATH, else from the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = glob.glob(f"/usr/lib/postgresql/*/bin/{name}")
    if not candidates:
        raise BackupError(
            _("%(tool)s was not found: install the PostgreSQL client programs.") % {"tool": name}
        )

    def version(path):
        return [int(part) for part in Path(path).parts[-3].split(".") if part.isdigit()]

    return max(candidates, key=version)


def _pg_command(tool: str, *arguments: str) -> None:
    """Runs pg_dump or pg_restore against the configured database."""
    from django.db.backends.postgresql.client import DatabaseClient

    database = connection.settings_dict
    # Django's own mapping of settings to libpq variables (password, SSL, service).
    _args, extra = DatabaseClient.settings_to_cmd_args_env(database, [])
    env = {**os.environ, **(extra or {})}
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER")):
        if database.get(key):
            env[variable] = str(database[key])
    command = [_pg_tool(tool), f"--dbname={database['NAME']}", *arguments]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BackupError(
            _("%(tool)s failed: %(error)s") % {"tool": tool, "error": completed.stderr.strip()}
        )


def _dump_database(target: Path) -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with closing(sqlite3.connect(target)) as copy:
            connection.connection.backup(copy)
    elif connection.vendor == "postgresql":
        # Uncompressed: the archive compresses it.
        _pg_command("pg_dump", "--format=custom", "--compress=0", "--no-owner",
                    "--no-privileges", f"--file={target}")  # fmt: skip
    else:
        raise BackupError(_("Backups support SQLite and PostgreSQL only."))


def _check_backup_dir(directory: Path) -> None:
    media = Path(settings.MEDIA_ROOT).resolve()
    if directory.resolve().is_relative_to(media):
        # The proxy serves MEDIA_ROOT to anyone: the archives would be public.
        raise BackupError(
            _("BACKUP_DIR (%(dir)s) must not lie inside MEDIA_ROOT, which is public.")
            % {"dir": directory}
        )


def backup_create(*, directory: Path | None = None, keep: int | None = None) -> BackupResult:
    """Writes one archive with the database and MEDIA_ROOT (or the bucket, with
    MEDIA_STORAGE=s3); then deletes the archives beyond the newest `keep` (default
    BACKUP_KEEP)."""
    directory = Path(directory or settings.BACKUP_DIR)
    keep = settings.BACKUP_KEEP if keep is None else keep
    _check_backup_dir(directory)
    # The archives hold personal data (logins, employers' contacts): for this account only.
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = _new_archive_path(directory)
    partial = directory / f".{target.name}.partial"
    media_root = Path(settings.MEDIA_ROOT)
    bucket = media_bucket()
    result = BackupResult(path=target, size=0, media_files=0)
    try:
        # The snapshot lies beside the archives: /tmp may be too small for it.
        with tempfile.TemporaryDirectory(dir=directory, prefix=".newsroom-backup-") as tmp:
            database = Path(tmp, DATABASE_FILES.get(connection.vendor, "database"))
            _dump_database(database)  # first: the media copied next hold every file it names
            manifest = _Manifest(tmp)
            with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as raw:
                # Photos are compressed already: a middle level saves time, hardly space.
                with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                    manifest.add(_add_file(tar, database, database.name))
                    if bucket is not None:
                        _add_bucket(tar, bucket, manifest, result)
                    else:
                        _add_media_root(tar, media_root, manifest, result)
                    result.media_files = manifest.count - 1
                    manifest_path = manifest.write()
                    with open(manifest_path, "rb") as file:
                        _add_stream(tar, file, MANIFEST, manifest_path.stat().st_size, time.time())
                raw.flush()
                os.fsync(raw.fileno())
        os.replace(partial, target)
    except BaseException as error:
        partial.unlink(missing_ok=True)
        if isinstance(error, OSError | sqlite3.Error):  # a full disk, a locked database
            raise BackupError(_("The backup failed: %(error)s") % {"error": error}) from error
        raise
    result.size = target.stat().st_size
    result.deleted = _prune(directory, keep)
    return result


# --- Restore --------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _expected_name(name: str) -> bool:
    parts = PurePosixPath(name).parts
    if name in (MANIFEST, *DATABASE_FILES.values()):
        return True
    return len(parts) > 1 and parts[0] == MEDIA and ".." not in parts and name == "/".join(parts)


def _unpack(archive: Path, into: Path) -> dict:
    """Extracts `archive` and checks every file against its manifest; returns the manifest.
    Raises BackupError, having changed nothing outside `into`, if anything is wrong."""
    damaged = _("The archive %(path)s is damaged or incomplete (%(reason)s). Nothing was changed.")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if not (member.isfile() and _expected_name(member.name)):
                    reason = _("unexpected entry %(name)s") % {"name": member.name}
                    raise BackupError(damaged % {"path": archive, "reason": reason})
                tar.extract(member, into, filter="data")
        manifest = json.loads((into / MANIFEST).read_text())
        if manifest.get("format") != FORMAT:
            raise BackupError(
                _("The archive %(path)s has format %(format)s, which this version cannot read.")
                % {"path": archive, "format": manifest.get("format")}
            )
        files = {entry["name"]: entry for entry in manifest["files"]}
        manifest["created"] = datetime.fromisoformat(manifest["created"])
        manifest["database"] = str(manifest["database"])
    except (
        tarfile.TarError, EOFError, zlib.error, OSError, ValueError, KeyError, TypeError,
        AttributeError,
    ) as error:  # fmt: skip
        raise BackupError(damaged % {"path": archive, "reason": error}) from error
    present = {path.relative_to(into).as_posix() for path in into.rglob("*") if path.is_file()}
    present.discard(MANIFEST)
    if present != set(files):
        odd = sorted(present ^ set(files))[0]
        reason = _("%(name)s does not match the manifest") % {"name": odd}
        raise BackupError(damaged % {"path": archive, "reason": reason})
    for name, entry in files.items():
        path = into / name
        if path.stat().st_size != entry.get("size") or _sha256(path) != entry.get("sha256"):
            reason = _("%(name)s does not match its checksum") % {"name": name}
            raise BackupError(damaged % {"path": archive, "reason": reason})
    return manifest


def database_content() -> list[str]:
    """The names of the kinds of data the database holds beyond what `migrate` writes
    (empty for a fresh install)."""
    tables = set(connection.introspection.table_names())
    found = []
    for model in apps.get_models():  # a link table has rows only beside its models' rows
        meta = model._meta
        if meta.proxy or meta.label_lower in WRITTEN_BY_MIGRATE or meta.db_table not in tables:
            continue
        if model._base_manager.exists():
            found.append(str(meta.verbose_name_plural))
    return found


def _restore_database(source: Path) -> None:
    if connection.vendor == "sqlite":
        # The backup API replaces the live database page by page in one write transaction.
        connection.ensure_connection()
        with closing(sqlite3.connect(source)) as archived:
            archived.backup(connection.connection)
    else:
        connection.close()  # the next query connects to the restored tables
        # --clean drops and recreates every table of the dump; all or nothing.
        _pg_command("pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                    "--single-transaction", str(source))  # fmt: skip
    connection.close()


def _empty_caches() -> None:
    from django.contrib.contenttypes.models import ContentType

    from newsroom import caching

    for alias in settings.CACHES:
        caches[alias].clear()
    ContentType.objects.clear_cache()  # the restored ids may differ
    caching.invalidate(*caching.TAGS)  # and ban every page in the proxy


def _check_empty_database() -> None:
    content = database_content()
    if content:
        raise BackupError(
            _("The database already holds data (%(content)s). Restore into an empty "
              "install, or pass --replace to overwrite it.")
            % {"content": ", ".join(content[:5])}
        )  # fmt: skip


def backup_restore(*, archive: Path, replace: bool = False) -> RestoreResult:
    """Restores `archive` into this install: refused unless the install is empty (a
    migrated database, no media files) or `replace` is given. The media go into the bucket
    with MEDIA_STORAGE=s3, whichever storage the archive was made from."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(_("There is no archive at %(path)s.") % {"path": archive})
    media_root = Path(settings.MEDIA_ROOT)
    bucket = media_bucket()
    if bucket is not None:
        return _restore_into_bucket(archive, bucket, replace)
    if not replace:
        _check_empty_database()
        if _media_files(media_root):
            raise BackupError(
                _("MEDIA_ROOT (%(path)s) already holds files. Restore into an empty install, "
                  "or pass --replace to overwrite them.")
                % {"path": media_root}
            )  # fmt: skip
    # Unpacked beside MEDIA_ROOT: /tmp may be too small for a portal's photos, and on the
    # same file system each file is moved into place by a rename.
    media_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=media_root.parent, prefix=".newsroom-restore-") as tmp:
        unpacked = Path(tmp)
        manifest = _unpack(archive, unpacked)
        _check_vendor(manifest)
        media = [
            entry["name"] for entry in manifest["files"] if entry["name"].startswith(f"{MEDIA}/")
        ]
        for name in media:  # files first: a file without its row is harmless, not the reverse
            target = media_root / PurePosixPath(name).relative_to(MEDIA)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(unpacked / name, target)
        _restore_database(unpacked / DATABASE_FILES[connection.vendor])
    return _restored(manifest, len(media))


def _restored(manifest: dict, media_files: int) -> RestoreResult:
    _empty_caches()
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return RestoreResult(
        created=manifest["created"],
        media_files=media_files,
        migrations_pending=bool(pending),
    )


def _check_vendor(manifest: dict) -> None:
    if manifest["database"] != connection.vendor:
        raise BackupError(
            _("The archive holds a %(archived)s database, this install uses %(current)s. "
              "Restore it into an install with the same database.")
            % {"archived": manifest["database"], "current": connection.vendor}
        )  # fmt: skip


def _restore_into_bucket(archive: Path, bucket: MediaS3Storage, replace: bool) -> RestoreResult:
    try:
        empty = bucket.is_empty()
    except OSError as error:
        raise BackupError(_unreachable(bucket, error)) from error
    if not replace:
        _check_empty_database()
        if not empty:
            raise BackupError(
                _("The bucket %(bucket)s already holds files. Restore into an empty install, "
                  "or pass --replace to overwrite them.")
                % {"bucket": bucket.bucket_name}
            )  # fmt: skip
    # Unpacked beside the archives (BACKUP_DIR, the site's own): /tmp may be too small.
    directory = Path(settings.BACKUP_DIR)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=directory, prefix=".newsroom-restore-") as tmp:
        unpacked = Path(tmp)
        manifest = _unpack(archive, unpacked)
        _check_vendor(manifest)
        count = 0
        for entry in manifest["files"]:  # files first, as on disk
            name = PurePosixPath(entry["name"])
            if name.parts[0] != MEDIA:
                continue
            try:
                with open(unpacked / name, "rb") as file:
                    bucket.put(name.relative_to(MEDIA).as_posix(), file)
            except OSError as error:
                raise BackupError(_unreachable(bucket, error)) from error
            count += 1
        _restore_database(unpacked / DATABASE_FILES[connection.vendor])
    return _restored(manifest, count)


def _unreachable(bucket: MediaS3Storage, error: OSError) -> str:
    return _(
        "The bucket %(bucket)s could not be read or written (%(error)s). The database was "
        "not changed."
    ) % {"bucket": bucket.bucket_name, "error": error}
