"""Renditions: the sizes, formats and crops pages show, decoded from storage with Pillow."""

from io import BytesIO

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from PIL import Image as PILImage

from images.renditions import CROPS
from tests.factories import ImageFactory, image_upload

pytestmark = pytest.mark.django_db


def halves(size=(1920, 1200), left=(220, 30, 30), right=(30, 30, 220), fmt="JPEG"):
    """A photo whose left half is red and right half blue: a crop shows which side it kept."""
    picture = PILImage.new("RGB", size, right)
    picture.paste(left, (0, 0, size[0] // 2, size[1]))
    out = BytesIO()
    picture.save(out, fmt)
    return SimpleUploadedFile(f"halves.{fmt.lower()}", out.getvalue())


def stored(image, crop, width, ext):
    with default_storage.open(image.renditions.name(CROPS[crop], width, ext)) as f:
        picture = PILImage.open(f)
        picture.load()
    return picture


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    body = b"".join(response.streaming_content)
    return response, PILImage.open(BytesIO(body))


def test_every_crop_comes_in_its_widths_as_webp_and_jpeg():
    image = ImageFactory(file=halves())
    assert image.renditions.generate() > 0
    for crop_name, ratio in [("full", 1920 / 1200), ("wide", 16 / 9), ("square", 1.0)]:
        crop = CROPS[crop_name]
        for width in crop.widths:
            webp, jpeg = (
                stored(image, crop_name, width, "webp"),
                stored(image, crop_name, width, "jpg"),
            )
            assert (webp.format, jpeg.format) == ("WEBP", "JPEG")
            assert webp.size == jpeg.size
            assert webp.width == width
            assert webp.width / webp.height == pytest.approx(ratio, rel=0.01)
    # Search engines and social networks get JPEG only: 4:3 and Open Graph 1200 × 630.
    assert stored(image, "standard", 1200, "jpg").size == (1200, 900)
    assert stored(image, "og", 1200, "jpg").size == (1200, 630)
    assert not default_storage.exists(image.renditions.name(CROPS["og"], 1200, "webp"))


@pytest.mark.parametrize(("focal_x", "colour"), [(0, "red"), (100, "blue")])
def test_crops_keep_the_focal_point_in_view(focal_x, colour):
    image = ImageFactory(file=halves(), focal_x=focal_x)
    image.renditions.generate([(CROPS["square"], 384, "jpg")])
    red, _green, blue = stored(image, "square", 384, "jpg").convert("RGB").getpixel((192, 192))
    assert (red > blue) == (colour == "red")


def test_small_images_are_never_enlarged_and_offered_at_their_own_size():
    image = ImageFactory(file=image_upload(size=(300, 200)))
    assert image.renditions.widths(CROPS["full"]) == [300]
    assert image.renditions.widths(CROPS["wide"]) == [300]
    assert image.renditions.widths(CROPS["square"]) == [96, 192, 200]
    image.renditions.generate()
    assert stored(image, "wide", 300, "webp").size == (300, 168)


def test_transparent_images_keep_their_transparency_in_png():
    out = BytesIO()
    PILImage.new("RGBA", (800, 400), (0, 120, 0, 0)).save(out, "PNG")
    image = ImageFactory(file=SimpleUploadedFile("logo.png", out.getvalue()))
    assert image.renditions.fallback == "png"
    image.renditions.generate([(CROPS["full"], 480, "png"), (CROPS["full"], 480, "webp")])
    assert stored(image, "full", 480, "png").getpixel((10, 10))[3] == 0
    assert stored(image, "full", 480, "webp").mode == "RGBA"


def test_a_rendition_is_made_on_first_request_and_then_kept(client):
    image = ImageFactory(file=halves())
    url = image.renditions.url(CROPS["wide"], 480, "webp")
    name = image.renditions.name(CROPS["wide"], 480, "webp")
    assert not default_storage.exists(name)

    response, picture = fetch(client, url)
    assert response["Content-Type"] == "image/webp"
    assert "immutable" in response["Cache-Control"]
    assert (picture.format, picture.size) == ("WEBP", (480, 270))
    assert default_storage.exists(name)

    made = default_storage.get_modified_time(name)
    fetch(client, url)
    assert default_storage.get_modified_time(name) == made  # served, not made again


@pytest.mark.parametrize(
    "name",
    [
        "wide-481.webp",
        "wide-1600.webp",
        "og-1200.webp",
        "poster-480.jpg",
        "wide-480.gif",
        "wide-0480.webp",
    ],
)
def test_only_the_images_own_renditions_can_be_requested(client, name):
    """Requests cannot make the server store arbitrary sizes."""
    image = ImageFactory(file=halves())
    response = client.get(f"/media/renditions/{image.pk}/{image.rendition_key}/{name}")
    assert response.status_code == 404
    assert default_storage.listdir("")[0] == ["images"]  # no renditions folder was made


def test_a_new_focal_point_gets_new_addresses_and_removes_the_old_crops(client):
    image = ImageFactory(file=halves())
    old_url = image.renditions.url(CROPS["square"], 384, "jpg")
    fetch(client, old_url)
    old_folder = image.renditions.folder

    image.focal_x = 10
    image.save()
    assert image.renditions.url(CROPS["square"], 384, "jpg") != old_url
    assert client.get(old_url).status_code == 404
    assert not default_storage.exists(old_folder)


def test_deleting_an_image_leaves_no_files(client, django_capture_on_commit_callbacks):
    image = ImageFactory(file=halves())
    fetch(client, image.renditions.url(CROPS["full"], 800, "webp"))
    original, folder = image.file.name, f"renditions/{image.pk}"
    assert default_storage.exists(original) and default_storage.exists(folder)

    with django_capture_on_commit_callbacks(execute=True):
        image.delete()
    assert not default_storage.exists(original)
    assert not default_storage.exists(folder)


def test_the_command_stores_missing_renditions_and_renews_on_request(capsys):
    first, second = ImageFactory(file=halves()), ImageFactory(file=image_upload(size=(400, 300)))
    call_command("renditions")
    assert "2 images" in capsys.readouterr().out
    for image in (first, second):
        for crop, width, ext in image.renditions.all():
            assert default_storage.exists(image.renditions.name(crop, width, ext))

    call_command("renditions")
    assert "0 renditions stored" in capsys.readouterr().out
    call_command("renditions", "--force")
    out = capsys.readouterr().out
    assert (
        f"{len(list(first.renditions.all())) + len(list(second.renditions.all()))} renditions"
        in out
    )


def test_the_command_reports_a_missing_original_and_goes_on(capsys):
    lost, kept = ImageFactory(), ImageFactory()
    default_storage.delete(lost.file.name)
    call_command("renditions")
    captured = capsys.readouterr()
    assert lost.file.name in captured.err
    assert "1 originals unreadable" in captured.out
    assert default_storage.exists(kept.renditions.name(CROPS["full"], 640, "webp"))


def test_a_rendition_of_a_lost_original_is_not_found_instead_of_an_error(client):
    image = ImageFactory()
    default_storage.delete(image.file.name)
    assert client.get(image.renditions.url(CROPS["full"], 640, "webp")).status_code == 404
