"""MEDIA_STORAGE=s3: uploads and renditions in a bucket of a real S3-compatible server
(moto's, tests/s3.py), whole or not at all, deleted with their image, under the portal's own
addresses; `move_media` between disk and bucket; backup and restore of the bucket."""

import errno
import hashlib
import io
import os
import socket
import tarfile
import time
import tracemalloc
from pathlib import Path

import pytest
from boto3.s3.transfer import TransferConfig
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext as _
from lxml import html as lxml_html
from PIL import Image as PILImage

from images.models import Image
from images.renditions import CROPS
from newsroom import backup
from newsroom.management.commands import move_media
from newsroom.storage import MediaS3Storage
from newsroom.uploads import StorageWriteError
from tests import s3
from tests.factories import ArticleFactory, ImageFactory, image_upload
from tests.images.test_admin import form_data
from tests.s3 import ACCESS_KEY, REGION, SECRET_KEY, CuttingRelay

pytestmark = pytest.mark.django_db
s3_server, bucket, s3_media = s3.s3_server, s3.bucket, s3.s3_media  # the fixtures, here

ADD = reverse("admin:images_image_add")
S3_BACKEND = "newsroom.storage.MediaS3Storage"
NOT_SAVED = "Die Datei konnte auf dem Server nicht gespeichert werden"


def counts(done: int, total: int, copied: int, present: int) -> str:
    """move_media's progress line (its German words come with the translations)."""
    line = _("%(done)s of %(total)s files: %(copied)s copied, %(present)s already there")
    return line % {"done": done, "total": total, "copied": copied, "present": present}


def nothing_deleted(source: str) -> str:
    return _("Nothing was deleted: %(source)s still holds every file.") % {"source": source}


def noisy_photo(size=(800, 600)) -> SimpleUploadedFile:
    """A photo that stays a few hundred kilobytes after re-encoding (noise compresses badly)."""
    out = io.BytesIO()
    PILImage.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(out, "JPEG")
    return SimpleUploadedFile("laerm.jpg", out.getvalue(), content_type="image/jpeg")


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def disk_files(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        p.relative_to(root).as_posix(): sha(p.read_bytes()) for p in root.rglob("*") if p.is_file()
    }


def bucket_files(bucket) -> dict[str, str]:
    return {key: sha(bucket.read(key)) for key in bucket.keys()}


def errornote(response) -> str:
    tree = lxml_html.fromstring(response.content.decode())
    return " ".join(e.text_content() for e in tree.xpath("//*[contains(@class, 'errorlist')]"))


def rendition_body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- Uploads and renditions -------------------------------------------------------------


def test_an_upload_through_the_admin_lands_in_the_bucket_with_its_renditions(
    admin_client, s3_media, s3_server, settings
):
    response = admin_client.post(ADD, form_data(file=image_upload("markt.jpg", size=(900, 600))))
    assert response.status_code == 302, errornote(response)
    image = Image.objects.get()
    assert s3_media.keys() == [image.file.name]
    assert not Path(settings.MEDIA_ROOT).exists()  # nothing on the app server's disk
    with PILImage.open(io.BytesIO(s3_media.read(image.file.name))) as stored:
        assert stored.size == (900, 600)

    # Addresses stay on the portal's origin: no bucket name, no endpoint, no signature.
    assert image.file.url == f"/media/{image.file.name}"
    url = image.renditions.url(CROPS["wide"], 480, "webp")
    assert url.startswith(f"/media/renditions/{image.pk}/{image.rendition_key}/")
    article = ArticleFactory(lead_image=image)
    page = Client().get(article.get_absolute_url()).content.decode()
    assert f'srcset="{image.renditions.base_url}' in page
    assert s3_media.name not in page and s3_server.endpoint not in page

    # The first request makes the rendition from the original in the bucket, and stores it
    # there; the answer is what the bucket holds.
    made = Client().get(url)
    assert made.status_code == 200 and made["Cache-Control"].endswith("immutable")
    name = image.renditions.name(CROPS["wide"], 480, "webp")
    assert rendition_body(made) == s3_media.read(name)
    assert s3_media.head(name)["ContentType"] == "image/webp"
    with PILImage.open(io.BytesIO(s3_media.read(name))) as picture:
        assert picture.size == (480, 270)


def test_every_rendition_is_made_once_into_the_bucket(s3_media):
    image = ImageFactory(file=image_upload(size=(1300, 900)))
    out = io.StringIO()
    call_command("renditions", stdout=out)
    made = len(list(image.renditions.all()))
    assert f"{made} renditions stored" in out.getvalue()
    folder = f"renditions/{image.pk}/{image.rendition_key}/"
    names = s3_media.keys(folder)
    assert len(names) == made
    stamps = {key: s3_media.head(key)["LastModified"] for key in names}

    out = io.StringIO()
    call_command("renditions", stdout=out)
    assert "0 renditions stored" in out.getvalue()
    assert {key: s3_media.head(key)["LastModified"] for key in names} == stamps


def test_a_rendition_of_an_original_gone_from_the_bucket_is_a_404(s3_media):
    image = ImageFactory()
    s3_media.client.delete_object(Bucket=s3_media.name, Key=image.file.name)
    response = Client().get(image.renditions.url(CROPS["square"], 96, "jpg"))
    assert response.status_code == 404
    assert s3_media.keys() == []


def test_deleting_an_image_deletes_its_original_and_renditions(
    admin_client, s3_media, django_capture_on_commit_callbacks
):
    image, other = ImageFactory(), ImageFactory()
    for picture in (image, other):
        assert Client().get(picture.renditions.url(CROPS["square"], 96, "webp")).status_code == 200
    assert len(s3_media.keys()) == 4
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:images_image_delete", args=[image.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert s3_media.keys() == sorted(
        [other.file.name, other.renditions.name(CROPS["square"], 96, "webp")]
    )


def test_a_new_focal_point_deletes_the_outdated_renditions(s3_media):
    image = ImageFactory()
    image.renditions.generate([(CROPS["wide"], 320, "jpg")])
    old = s3_media.keys("renditions/")
    assert len(old) == 1
    image.focal_x = 10
    image.save()
    assert s3_media.keys("renditions/") == []
    image.renditions.generate([(CROPS["wide"], 320, "jpg")])
    assert s3_media.keys("renditions/") != old


def test_a_taken_name_gets_another_one_as_on_disk(s3_media):
    first = default_storage.save("kept/bild.jpg", ContentFile(b"first"))
    second = default_storage.save("kept/bild.jpg", ContentFile(b"second"))
    assert first == "kept/bild.jpg" and second != first
    assert s3_media.read(first) == b"first" and s3_media.read(second) == b"second"


# --- Whole or not at all ------------------------------------------------------------------


def test_an_upload_cut_off_midway_leaves_nothing_and_shows_the_form_again(
    admin_client, s3_media, s3_server, settings
):
    photo = noisy_photo()
    assert photo.size > 200_000
    relay = CuttingRelay(s3_server.port, cut_after=64_000)
    settings.AWS_S3_ENDPOINT_URL = relay.endpoint  # the connection breaks during the upload
    settings.STORAGES = {**settings.STORAGES}  # a new storage with that address
    try:
        response = admin_client.post(ADD, form_data(file=photo, title="Rauschen"))
    finally:
        relay.close()
    assert relay.cuts >= 1
    assert response.status_code == 200
    assert NOT_SAVED in errornote(response)
    assert not Image.objects.exists()
    assert s3_media.keys() == [] and s3_media.unfinished_uploads() == []

    settings.AWS_S3_ENDPOINT_URL = s3_server.endpoint
    settings.STORAGES = {**settings.STORAGES}
    photo.seek(0)
    response = admin_client.post(ADD, form_data(file=photo, title="Rauschen"))
    assert response.status_code == 302
    assert s3_media.keys() == [Image.objects.get().file.name]


class BreaksOff(io.RawIOBase):
    """A file that fails to read after `good` bytes, as a disk or a temporary upload can."""

    def __init__(self, size: int, good: int):
        self.size, self.good, self.position = size, good, 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        self.position = offset if whence == io.SEEK_SET else self.size
        return self.position

    def tell(self):
        return self.position

    def readinto(self, buffer):
        if self.position >= self.good:
            raise OSError(errno.EIO, "Input/output error")
        n = min(len(buffer), self.size - self.position)
        buffer[:n] = b"x" * n
        self.position += n
        return n


def test_a_large_file_failing_midway_leaves_no_object_and_no_parts(s3_media):
    """Above the threshold a file goes up in parts; a failure after some of them aborts
    the multipart upload instead of leaving parts (or half an object) in the bucket."""
    mb = 1024 * 1024
    storage = MediaS3Storage(
        transfer_config=TransferConfig(
            multipart_threshold=5 * mb, multipart_chunksize=5 * mb, use_threads=False
        )
    )
    with pytest.raises(StorageWriteError):
        storage.save("videos/gross.bin", File(BreaksOff(12 * mb, good=7 * mb), "gross.bin"))
    assert s3_media.keys() == [] and s3_media.unfinished_uploads() == []


@pytest.fixture
def hung_bucket(settings, s3_media):
    """An endpoint that accepts connections and never answers."""
    with socket.create_server(("127.0.0.1", 0)) as hung:
        settings.MEDIA_STORAGE_TIMEOUT = 0.5
        settings.AWS_S3_ENDPOINT_URL = f"http://127.0.0.1:{hung.getsockname()[1]}"
        settings.STORAGES = {**settings.STORAGES}
        yield


def test_a_hung_bucket_costs_an_upload_seconds_and_the_form_says_so(admin_client, hung_bucket):
    started = time.monotonic()
    response = admin_client.post(ADD, form_data(file=image_upload(), title="Markt"))
    # Each save (the upload, then the copy kept for the next submit) gives up after two
    # attempts of 0.5 s and a backoff of up to 2 s: seconds, not a hung worker.
    assert time.monotonic() - started < 10
    assert response.status_code == 200 and NOT_SAVED in errornote(response)
    assert not Image.objects.exists()


def test_a_rendition_is_a_404_while_the_bucket_hangs(settings, s3_media):
    image = ImageFactory()
    with socket.create_server(("127.0.0.1", 0)) as hung:
        settings.MEDIA_STORAGE_TIMEOUT = 0.5
        settings.AWS_S3_ENDPOINT_URL = f"http://127.0.0.1:{hung.getsockname()[1]}"
        settings.STORAGES = {**settings.STORAGES}
        response = Client().get(image.renditions.url(CROPS["square"], 96, "jpg"))
    assert response.status_code == 404  # not a server error


# --- move_media -----------------------------------------------------------------------------


def configure_bucket(settings, endpoint: str, name: str) -> None:
    settings.AWS_STORAGE_BUCKET_NAME, settings.AWS_S3_ENDPOINT_URL = name, endpoint
    settings.AWS_S3_REGION_NAME = REGION
    settings.AWS_ACCESS_KEY_ID, settings.AWS_SECRET_ACCESS_KEY = ACCESS_KEY, SECRET_KEY


@pytest.fixture
def bucket_settings(settings, s3_server, bucket):
    """The bucket configured (AWS_*), the site still on disk: before the switch."""
    configure_bucket(settings, s3_server.endpoint, bucket.name)
    return bucket


def write_media(root: Path) -> dict[str, str]:
    files = {
        "images/2026/12/a.jpg": os.urandom(50_000),
        "images/2026/12/b.png": os.urandom(1000),
        "renditions/7/abc/wide-320.webp": b"webp",
        "ads/logos/logo-96w.png": b"",  # an empty file is a file too
        # Larger than boto3's multipart threshold: goes up in parts, streamed.
        "videos/gross.bin": os.urandom(9 * 1024 * 1024),
    }
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    # A write that never ended (WholeFileSystemStorage's temporary name): not media.
    (root / "images/2026/12/.0123abcd.part").write_bytes(b"half")
    return {name: sha(data) for name, data in files.items()}


def move(to: str) -> str:
    out = io.StringIO()
    call_command("move_media", "--to", to, stdout=out, stderr=out)
    return out.getvalue()


def test_move_media_copies_to_the_bucket_and_back_once(settings, bucket_settings, monkeypatch):
    monkeypatch.setattr(move_media, "PROGRESS_EVERY", 0)  # a line for every file
    root = Path(settings.MEDIA_ROOT)
    files = write_media(root)

    out = move("s3")
    assert bucket_files(bucket_settings) == files
    assert counts(1, 5, 1, 0) in out  # progress as it goes
    assert counts(5, 5, 5, 0) in out
    assert nothing_deleted(_("MEDIA_ROOT (%(root)s)") % {"root": root}) in out
    assert disk_files(root) == files | {"images/2026/12/.0123abcd.part": sha(b"half")}

    # Again: nothing to copy. A file that changed (another size) is copied again.
    stamps = {key: bucket_settings.head(key)["LastModified"] for key in files}
    assert counts(5, 5, 0, 5) in move("s3")
    assert {key: bucket_settings.head(key)["LastModified"] for key in files} == stamps
    (root / "images/2026/12/b.png").write_bytes(b"new and longer")
    assert counts(5, 5, 1, 4) in move("s3")
    files["images/2026/12/b.png"] = sha(b"new and longer")
    assert bucket_files(bucket_settings) == files

    # Back onto an empty disk, e.g. another app server.
    settings.MEDIA_ROOT = root.parent / "other-media"
    out = move("disk")
    assert disk_files(settings.MEDIA_ROOT) == files
    assert counts(5, 5, 5, 0) in out
    source = _("the bucket %(bucket)s") % {"bucket": bucket_settings.name}
    assert nothing_deleted(source) in out
    assert counts(5, 5, 0, 5) in move("disk")
    assert [p.name for p in settings.MEDIA_ROOT.rglob(".*")] == []  # no temporary files


def test_move_media_shows_a_bar_on_a_terminal(settings, bucket_settings):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    write_media(Path(settings.MEDIA_ROOT))
    out = Terminal()
    call_command("move_media", "--to", "s3", stdout=out)
    assert "100%" in out.getvalue() and "5/5" in out.getvalue()


def test_move_media_names_a_bucket_it_cannot_reach(settings, bucket_settings):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        settings.AWS_S3_ENDPOINT_URL = f"http://127.0.0.1:{closed.getsockname()[1]}"
        with pytest.raises(CommandError) as refused:
            move("s3")
    message = _("The bucket %(bucket)s at %(endpoint)s cannot be reached: %(error)s") % {
        "bucket": bucket_settings.name,
        "endpoint": settings.AWS_S3_ENDPOINT_URL,
        "error": "",
    }
    assert str(refused.value).startswith(message)

    settings.AWS_S3_ENDPOINT_URL = None
    settings.AWS_STORAGE_BUCKET_NAME = ""
    with pytest.raises(CommandError, match="AWS_STORAGE_BUCKET_NAME"):
        move("s3")


# --- Backup and restore -------------------------------------------------------------------


@pytest.fixture
def backup_dir(settings, tmp_path):
    settings.BACKUP_DIR = tmp_path / "backups"
    settings.RUN_LOCK_DIR = tmp_path / "locks"
    return settings.BACKUP_DIR


def archived_media(archive: Path) -> dict[str, str]:
    with tarfile.open(archive) as tar:
        return {
            member.name.removeprefix("media/"): sha(tar.extractfile(member).read())
            for member in tar
            if member.name.startswith("media/")
        }


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_take_the_bucket_along(s3_media, backup_dir, settings):
    image = ImageFactory(title="Marktplatz")
    image.renditions.generate([(CROPS["wide"], 320, "webp")])
    s3_media.put("ads/logos/logo.png", os.urandom(3000))
    s3_media.put("odd//name.jpg", b"written by another tool")  # no restore would take it
    before = bucket_files(s3_media)

    out = io.StringIO()
    call_command("backup", stdout=out, stderr=out)
    [archive] = backup.archives()
    assert "Datenbank und 3 Mediendateien" in out.getvalue()
    skipped = _("%(key)s in the bucket has a name no restore would accept; it is not in the "
                "backup.") % {"key": "odd//name.jpg"}  # fmt: skip
    assert skipped in out.getvalue()
    del before["odd//name.jpg"]
    assert archived_media(archive) == before
    assert not Path(settings.MEDIA_ROOT).exists()

    # A bucket with files is no empty install.
    call_command("flush", interactive=False)
    with pytest.raises(CommandError) as refused:
        call_command("restore", str(archive), stdout=io.StringIO())
    assert str(refused.value) == _(
        "The bucket %(bucket)s already holds files. Restore into an empty install, or pass "
        "--replace to overwrite them."
    ) % {"bucket": s3_media.name}

    s3_media.empty()
    out = io.StringIO()
    call_command("restore", str(archive), stdout=out)
    assert "die Datenbank und 3 Mediendateien" in out.getvalue()
    assert bucket_files(s3_media) == before
    assert Image.objects.get().title == "Marktplatz"
    assert list(backup_dir.iterdir()) == [archive]  # nothing unpacked left behind


@pytest.mark.django_db(transaction=True)
def test_an_archive_made_on_disk_restores_into_the_bucket(settings, backup_dir, s3_server):
    image = ImageFactory()
    on_disk = disk_files(Path(settings.MEDIA_ROOT))
    assert list(on_disk) == [image.file.name]
    call_command("backup", stdout=io.StringIO())
    [archive] = backup.archives()

    call_command("flush", interactive=False)
    bucket = s3_server.new_bucket()
    configure_bucket(settings, s3_server.endpoint, bucket.name)
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": S3_BACKEND}}
    call_command("restore", str(archive), stdout=io.StringIO())
    assert bucket_files(bucket) == on_disk
    restored = Image.objects.get()
    assert Client().get(restored.renditions.url(CROPS["square"], 96, "jpg")).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_backup_streams_objects_instead_of_holding_them(s3_media, backup_dir):
    """A 24 MB object passes through the archive with a few megabytes of memory."""
    s3_media.put("videos/gross.bin", os.urandom(24 * 1024 * 1024))
    default_storage.exists("warm")  # boto3's client, made once per process, not measured
    tracemalloc.start()
    try:
        backup.backup_create()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 1024 * 1024, peak
    [archive] = backup.archives()
    with tarfile.open(archive) as tar:
        assert tar.getmember("media/videos/gross.bin").size == 24 * 1024 * 1024
