"""Uploads as phones and attackers send them, shared by every upload path's tests."""

import struct
import zlib
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def jpeg_with_gps(name="IMG_2041_Privat.jpg"):
    """A JPEG carrying EXIF with a camera model and GPS position, as phones write them."""
    exif = Image.Exif()
    exif[0x0110] = "Geheime Kamera"  # Model
    exif[0x8825] = {1: "N", 2: (51.0, 39.0, 36.0), 3: "E", 4: (6.0, 57.0, 36.0)}  # GPS IFD
    out = BytesIO()
    Image.new("RGB", (320, 200), (200, 40, 40)).save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def png_bomb(width=30_000, height=30_000):
    """A tiny PNG declaring 900 megapixels: Pillow must refuse before decoding it."""

    def chunk(kind, data):
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    content = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + chunk(b"IEND", b"")
    )
    return SimpleUploadedFile("bombe.png", content, content_type="image/png")
