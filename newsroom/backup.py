"""Backup and restore: the database and the media files it refers to, in one archive.

A library image's row names its file, and the file is useless without the row, so both go
into one compressed archive per run, `BACKUP_DIR/newsroom-YYYYMMDD-HHMMSSZ.tar.gz` (UTC, so
names sort in time order across the change to and from summer time):

- `database.sqlite3` (SQLite's online backup API) or `database.pgdump` (`pg_dump`, custom
  format): a consistent snapshot, taken while the site runs;
- `media/...`: every regular file under MEDIA_ROOT;
- `manifest.json`: format, time, database vendor, each file's size and SHA-256.

The database is copied first, then the media. A file uploaded meanwhile is a harmless extra;
a file deleted in those seconds (a library image deleted in the admin) is missing from the
archive although its row is in it: the run reports such files. The archive is written under
a temporary name and renamed when complete, so a failed run (a full disk) never leaves a
half archive that retention (BACKUP_KEEP) could keep in place of a good one.

`restore` unpacks and checks every file against the manifest before it changes anything,
writes the media first (files without rows are harmless, rows without files are not), then
replaces the whole database in one step, and empties the caches.

Own code rather than django-dbbackup: that keeps the database and the media in two
archives made by two commands with separate retention, which can drift apart; here one
archive is one consistent point in time. What is left is small: the stdlib's tarfile,
sqlite3's backup API, and pg_dump/pg_restore.
"""

import glob
import hashlib
import io
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
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = stat.st_size, stat.st_mtime, 0o644
        reader = _HashingReader(file)
        tar.addfile(info, reader)
    return {"name": name, "size": info.size, "sha256": reader.sha256.hexdigest()}


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
    """Writes one archive with the database and MEDIA_ROOT; then deletes the archives
    beyond the newest `keep` (default BACKUP_KEEP)."""
    directory = Path(directory or settings.BACKUP_DIR)
    keep = settings.BACKUP_KEEP if keep is None else keep
    _check_backup_dir(directory)
    # The archives hold personal data (logins, employers' contacts): for this account only.
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = _new_archive_path(directory)
    partial = directory / f".{target.name}.partial"
    media_root = Path(settings.MEDIA_ROOT)
    vanished = []
    try:
        # The snapshot lies beside the archives: /tmp may be too small for it.
        with tempfile.TemporaryDirectory(dir=directory, prefix=".newsroom-backup-") as tmp:
            database = Path(tmp, DATABASE_FILES.get(connection.vendor, "database"))
            _dump_database(database)  # first: the media copied next hold every file it names
            with open(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as raw:
                # Photos are compressed already: a middle level saves time, hardly space.
                with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
                    files = [_add_file(tar, database, database.name)]
                    for path in _media_files(media_root):
                        name = f"{MEDIA}/{path.relative_to(media_root).as_posix()}"
                        try:
                            files.append(_add_file(tar, path, name))
                        except FileNotFoundError:
                            vanished.append(name)
                    manifest = {
                        "format": FORMAT,
                        "created": datetime.now(UTC).isoformat(timespec="seconds"),
                        "database": connection.vendor,
                        "files": files,
                    }
                    data = json.dumps(manifest, indent=1).encode()
                    info = tarfile.TarInfo(MANIFEST)
                    info.size, info.mtime, info.mode = len(data), time.time(), 0o644
                    tar.addfile(info, io.BytesIO(data))
                raw.flush()
                os.fsync(raw.fileno())
        os.replace(partial, target)
    except BaseException as error:
        partial.unlink(missing_ok=True)
        if isinstance(error, OSError | sqlite3.Error):  # a full disk, a locked database
            raise BackupError(_("The backup failed: %(error)s") % {"error": error}) from error
        raise
    return BackupResult(
        path=target,
        size=target.stat().st_size,
        media_files=len(files) - 1,
        vanished=vanished,
        deleted=_prune(directory, keep),
    )


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


def backup_restore(*, archive: Path, replace: bool = False) -> RestoreResult:
    """Restores `archive` into this install: refused unless the install is empty (a
    migrated database, no media files) or `replace` is given."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(_("There is no archive at %(path)s.") % {"path": archive})
    media_root = Path(settings.MEDIA_ROOT)
    if not replace:
        content = database_content()
        if content:
            raise BackupError(
                _("The database already holds data (%(content)s). Restore into an empty "
                  "install, or pass --replace to overwrite it.")
                % {"content": ", ".join(content[:5])}
            )  # fmt: skip
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
        if manifest["database"] != connection.vendor:
            raise BackupError(
                _("The archive holds a %(archived)s database, this install uses %(current)s. "
                  "Restore it into an install with the same database.")
                % {"archived": manifest["database"], "current": connection.vendor}
            )  # fmt: skip
        media = [
            entry["name"] for entry in manifest["files"] if entry["name"].startswith(f"{MEDIA}/")
        ]
        for name in media:  # files first: a file without its row is harmless, not the reverse
            target = media_root / PurePosixPath(name).relative_to(MEDIA)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(unpacked / name, target)
        _restore_database(unpacked / DATABASE_FILES[connection.vendor])
    _empty_caches()
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return RestoreResult(
        created=manifest["created"],
        media_files=len(media),
        migrations_pending=bool(pending),
    )
