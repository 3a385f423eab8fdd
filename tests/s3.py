"""A real S3-compatible server for the tests of MEDIA_STORAGE=s3: moto's standalone server
(`moto_server`, a dev dependency) on a free port of 127.0.0.1, one for the whole session,
with a fresh bucket for each test. A test module makes the fixtures its own:

    from tests import s3
    s3_server, bucket, s3_media = s3.s3_server, s3.bucket, s3.s3_media

`s3_media` switches the default storage to the bucket, as MEDIA_STORAGE=s3 does;
`s3_server.env(bucket)` is the same for an app process started by a test.
"""

import json
import socket
import sys
import threading
import uuid
from pathlib import Path

import boto3
import pytest

from tests.proxy.conftest import Server, free_port

MOTO_SERVER = Path(sys.executable).with_name("moto_server")
REGION = "eu-central-1"
# moto takes any keys; these only keep boto3 from looking for real ones.
ACCESS_KEY, SECRET_KEY = "newsroom-test", "newsroom-test-secret"


class S3Server(Server):
    """moto_server as a process of its own: the app talks S3 over HTTP to it, as to MinIO."""

    def __init__(self, log: Path):
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self.start([str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(self.port)], log, "moto_server")

    def client(self, endpoint: str | None = None):
        return boto3.client(
            "s3",
            endpoint_url=endpoint or self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
        )

    def new_bucket(self) -> "Bucket":
        """An empty bucket that anyone may read objects of (not list them), as the README
        asks for: the proxy fetches /media/ from it without credentials."""
        name = f"media-{uuid.uuid4().hex[:12]}"
        client = self.client()
        client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{name}/*",
                }
            ],
        }
        client.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
        return Bucket(name, client)

    def env(self, bucket: "Bucket", endpoint: str | None = None) -> dict[str, str]:
        """The environment of an app process whose media live in `bucket`."""
        return {
            "MEDIA_STORAGE": "s3",
            "AWS_STORAGE_BUCKET_NAME": bucket.name,
            "AWS_S3_ENDPOINT_URL": endpoint or self.endpoint,
            "AWS_S3_REGION_NAME": REGION,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def requests(self, method: str, path: str) -> int:
        """How many requests the server has answered for `method path` (from its log)."""
        self.log.flush()
        return self.log_path.read_text().count(f'"{method} {path} HTTP/1.1"')


class Bucket:
    """A test's bucket, read with boto3 directly (not through the code under test)."""

    def __init__(self, name: str, client):
        self.name, self.client = name, client

    def keys(self, prefix: str = "") -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.name, Prefix=prefix
        )
        return sorted(entry["Key"] for page in pages for entry in page.get("Contents", ()))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def head(self, key: str) -> dict:
        return self.client.head_object(Bucket=self.name, Key=key)

    def put(self, key: str, data: bytes, **extra) -> None:
        self.client.put_object(Bucket=self.name, Key=key, Body=data, **extra)

    def unfinished_uploads(self) -> list[str]:
        """Multipart uploads begun and neither completed nor aborted (their parts cost
        storage, though no object shows)."""
        found = self.client.list_multipart_uploads(Bucket=self.name)
        return [upload["Key"] for upload in found.get("Uploads", ())]

    def empty(self) -> None:
        for key in self.keys():
            self.client.delete_object(Bucket=self.name, Key=key)


class CuttingRelay:
    """A TCP relay to the S3 server that drops every connection once the client has sent
    `cut_after` bytes on it: an upload that breaks off midway (a network failure, a
    server restart), at the real socket, with botocore's retries and all."""

    def __init__(self, target_port: int, cut_after: int):
        self.target, self.cut_after = ("127.0.0.1", target_port), cut_after
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.cuts = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
                upstream = socket.create_connection(self.target)
            except OSError:
                return
            threading.Thread(target=self._up, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._down, args=(upstream, client), daemon=True).start()

    def _up(self, client: socket.socket, upstream: socket.socket) -> None:
        sent = 0
        try:
            while data := client.recv(65536):
                room = self.cut_after - sent
                upstream.sendall(data[:room])
                sent += len(data)
                if sent > self.cut_after:
                    self.cuts += 1
                    break
        except OSError:
            pass
        for s in (client, upstream):  # a reset, as a dropped connection looks
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
            s.close()

    @staticmethod
    def _down(upstream: socket.socket, client: socket.socket) -> None:
        try:
            while data := upstream.recv(65536):
                client.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        self.listener.close()


_server: S3Server | None = None


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """One moto_server for every test module that imports this fixture."""
    global _server
    if _server is None:
        _server = S3Server(tmp_path_factory.mktemp("moto") / "moto.log")
    yield _server
    if _server is not None:  # the first module's teardown at the session's end
        _server.stop()
        _server = None


@pytest.fixture
def bucket(s3_server) -> Bucket:
    return s3_server.new_bucket()


@pytest.fixture
def s3_media(settings, s3_server, bucket) -> Bucket:
    """Media in `bucket` for this test, as MEDIA_STORAGE=s3 sets it up."""
    settings.MEDIA_STORAGE = "s3"
    settings.AWS_STORAGE_BUCKET_NAME = bucket.name
    settings.AWS_S3_ENDPOINT_URL = s3_server.endpoint
    settings.AWS_S3_REGION_NAME = REGION
    settings.AWS_ACCESS_KEY_ID = ACCESS_KEY
    settings.AWS_SECRET_ACCESS_KEY = SECRET_KEY
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "newsroom.storage.MediaS3Storage"},
    }
    return bucket
