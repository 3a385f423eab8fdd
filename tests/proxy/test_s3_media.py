"""MEDIA_STORAGE=s3 with two app servers sharing one bucket (moto's S3 server, tests/s3.py),
behind the shipped Varnish: an image uploaded on one server reaches readers from the bucket
through Varnish, on the portal's own address, and a rendition made by either server is made
once and reused by the other (deploy/varnish/default.vcl, sub media_bucket in backend.vcl)."""

import re
from dataclasses import dataclass
from http.cookies import SimpleCookie

import pytest
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import reverse

from images.models import Image
from images.renditions import CROPS
from tests import s3
from tests.factories import image_upload
from tests.images.test_admin import form_data

from .conftest import VARNISHD, Gunicorn, Varnish, database_url, http_request, require_binary

pytestmark = pytest.mark.django_db(transaction=True)  # the app servers read the test's rows
s3_server = s3.s3_server  # the fixture, here

MEDIA_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


class BucketVarnish(Varnish):
    """The shipped VCL with backend.vcl's bucket set, as an operator sets it up."""

    def __init__(self, tmp, backend_port: int, bucket_port: int, bucket: str):
        self.bucket_port, self.bucket = bucket_port, bucket
        super().__init__(tmp, backend_port)

    def start(self, args, log, what, **popen):
        vcl = self.tmp / "backend.vcl"
        text = vcl.read_text()
        for old, new in (
            ('.port = "9000"', f'.port = "{self.bucket_port}"'),
            ('"127.0.0.1:9000"', f'"127.0.0.1:{self.bucket_port}"'),
            ('X-Media-Bucket = ""', f'X-Media-Bucket = "{self.bucket}"'),
        ):
            assert old in text
            text = text.replace(old, new)
        vcl.write_text(text)
        super().start(args, log, what, **popen)


@dataclass
class Stack:
    one: Gunicorn  # where the journalist uploads
    two: Gunicorn  # behind Varnish
    varnish: Varnish
    bucket: s3.Bucket


@pytest.fixture(scope="module")
def stack(django_db_setup, s3_server, tmp_path_factory):
    require_binary(VARNISHD, "varnish (varnishd)")
    tmp = tmp_path_factory.mktemp("s3-media")
    bucket = s3_server.new_bucket()
    started = []
    try:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in s3_server.env(bucket).items():
                patch.setenv(name, value)  # Gunicorn passes its environment on
            for name in ("one", "two"):
                (tmp / name).mkdir()
                started.append(Gunicorn(tmp / name, database_url(), workers=2))
        (tmp / "varnish").mkdir()
        started.append(BucketVarnish(tmp / "varnish", started[1].port, s3_server.port, bucket.name))
        yield Stack(*started, bucket)
    finally:
        for process in reversed(started):
            process.stop()


def upload_in_the_admin(port: int, user) -> None:
    """The library's add form on that server, as a logged-in journalist sends it."""
    client = Client()
    client.force_login(user)  # the session row, which every server reads
    session = f"sessionid={client.cookies['sessionid'].value}"
    add = reverse("admin:images_image_add")
    form = http_request(port, "GET", add, {"Cookie": session})
    assert form.status == 200
    csrf = SimpleCookie(form.headers["Set-Cookie"])["csrftoken"].value
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)[1]
    data = form_data(file=image_upload("markt.jpg", size=(1000, 700)), csrfmiddlewaretoken=token)
    sent = http_request(
        port,
        "POST",
        add,
        {"Cookie": f"{session}; csrftoken={csrf}", "Content-Type": MULTIPART_CONTENT},
        encode_multipart(BOUNDARY, data),
    )
    assert sent.status == 302, sent.text[:2000]


def test_two_servers_share_the_bucket_behind_varnish(stack, s3_server, journalist):
    upload_in_the_admin(stack.one.port, journalist)
    image = Image.objects.get()
    assert stack.bucket.keys() == [image.file.name]
    assert image.file.url == f"/media/{image.file.name}"

    # The original: Varnish fetches it from the bucket (the app servers have no file and no
    # address for it: they would answer 404), then keeps it.
    original = stack.varnish.get(image.file.url)
    assert original.status == 200 and original.cache == "MISS"
    assert original.raw == stack.bucket.read(image.file.name)
    assert original.headers["Content-Type"] == "image/jpeg"
    assert original.headers["Cache-Control"] == "max-age=2592000"  # as nginx sends from disk
    assert original.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert original.headers["Content-Security-Policy"] == MEDIA_CSP
    assert original.headers["X-Content-Type-Options"] == "nosniff"
    for name in ("Server", "x-amz-request-id", "x-amzn-requestid", "Set-Cookie"):
        assert name not in original.headers
    assert stack.varnish.get(image.file.url).cache == "HIT"
    # A query is no S3 operation (?acl would answer the object's ACL) and no new copy.
    with_query = stack.varnish.get(f"{image.file.url}?acl")
    assert with_query.raw == original.raw and with_query.cache == "HIT"
    # Staff (a session cookie) get the same copy, not a pass to the app.
    assert stack.varnish.get(image.file.url, Cookie="sessionid=x").cache == "HIT"
    # A reader cannot point Varnish at a bucket.
    page = stack.varnish.get("/", X_Media_Bucket=stack.bucket.name)
    assert page.status == 200 and "<html" in page.text

    # A rendition nobody asked for yet: not in the bucket, so Varnish asks server two,
    # which makes it from the original in the bucket and stores it there.
    wide = image.renditions.name(CROPS["wide"], 800, "webp")
    made = stack.varnish.get(image.renditions.url(CROPS["wide"], 800, "webp"))
    assert made.status == 200 and made.cache == "MISS"
    assert made.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert made.raw == stack.bucket.read(wide)
    assert s3_server.requests("PUT", f"/{stack.bucket.name}/{wide}") == 1
    # Server one, asked for it directly, serves what server two made instead of making it.
    again = http_request(stack.one.port, "GET", image.renditions.url(CROPS["wide"], 800, "webp"))
    assert again.status == 200 and again.raw == made.raw
    assert s3_server.requests("PUT", f"/{stack.bucket.name}/{wide}") == 1

    # The other way round: one made by server one reaches readers from the bucket, without
    # server two (whose answer would carry the pages' policy, not the media's).
    square = image.renditions.name(CROPS["square"], 192, "jpg")
    url = image.renditions.url(CROPS["square"], 192, "jpg")
    assert http_request(stack.one.port, "GET", url).status == 200
    served = stack.varnish.get(url)
    assert served.status == 200 and served.raw == stack.bucket.read(square)
    assert served.headers["Content-Security-Policy"] == MEDIA_CSP
    assert served.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert s3_server.requests("PUT", f"/{stack.bucket.name}/{square}") == 1
    assert s3_server.requests("PUT", f"/{stack.bucket.name}/{image.file.name}") == 1

    # What is in no bucket gets the app's answer through Varnish, not the bucket's XML: as
    # for any unknown address, the one with a slash, and there its 404 page.
    missing = stack.varnish.get("/media/images/2020/01/gibt-es-nicht.jpg")
    assert missing.status == 301 and "NoSuchKey" not in missing.text
    assert stack.varnish.get(missing.headers["Location"]).status == 404
