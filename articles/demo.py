"""Demo articles for `manage.py load_demo`: categories, authors, tags, 40+ articles with
lead images drawn by Pillow. Idempotent: existing rows (matched by slug) are kept."""

import random
from datetime import timedelta
from io import BytesIO

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from images.models import Image as LibraryImage
from newsroom.text import slugify_de

from .demo_content import ARTICLES, AUTHORS, CATEGORIES
from .models import Article, Author, Category

CREDIT = "Lindenauer Nachrichten"


def library_image(content: ContentFile, *, title: str, alt: str, caption: str = "") -> LibraryImage:
    image = LibraryImage(title=title, file=content, alt_text=alt, caption=caption, credit=CREDIT)
    image.save()
    return image


# Demo authors who have a demo login (newsroom.demo.DEMO_USERS).
AUTHOR_LOGINS = {"jonas-feldkamp": "redaktion", "miriam-adler": "cvd"}

PALETTE = {
    "lindenau": (11, 79, 138),
    "region": (46, 110, 70),
    "sport": (170, 70, 20),
    "kultur": (110, 40, 120),
    "wirtschaft": (40, 90, 100),
    "blaulicht": (160, 30, 40),
}

# The main categories' own colours (WCAG AA on the page's backgrounds, like any colour).
COLORS = {
    "lindenau": "#1d5c96",
    "region": "#2e6e46",
    "sport": "#a8470f",
    "kultur": "#6e2878",
    "wirtschaft": "#285a64",
    "blaulicht": "#b3261e",
}


def _jpeg(image: Image.Image, name: str) -> ContentFile:
    out = BytesIO()
    image.save(out, "JPEG", quality=82)
    return ContentFile(out.getvalue(), name=name)


def lead_image(seed: int, colour: tuple[int, int, int]) -> ContentFile:
    """A stylised town view: sky, hills, houses; different for every seed."""
    rnd = random.Random(seed)
    width, height = 1200, 750
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):  # sky gradient from the section colour to a pale horizon
        t = y / height
        draw.line([(0, y), (width, y)], fill=tuple(int(c * (1 - t) + 235 * t) for c in colour))
    sun_x = rnd.randint(150, 1050)
    draw.ellipse([sun_x - 60, 90, sun_x + 60, 210], fill=(250, 214, 120))
    for layer, shade in enumerate((120, 90)):
        base = 430 + layer * 80
        points = [(0, height)] + [
            (x, base - rnd.randint(0, 90)) for x in range(0, width + 200, 200)
        ] + [(width, height)]  # fmt: skip
        draw.polygon(points, fill=(shade // 3, shade, shade // 2))
    x = rnd.randint(0, 80)
    while x < width:
        w, h = rnd.randint(70, 140), rnd.randint(90, 220)
        top = height - 60 - h
        wall = tuple(rnd.randint(170, 235) for _ in range(3))
        draw.rectangle([x, top, x + w, height - 60], fill=wall)
        draw.polygon([(x - 8, top), (x + w // 2, top - rnd.randint(30, 70)), (x + w + 8, top)],
                     fill=(150, 50, 40))  # fmt: skip
        for wy in range(top + 20, height - 90, 45):
            draw.rectangle([x + 15, wy, x + 35, wy + 25], fill=(60, 70, 90))
        x += w + rnd.randint(10, 60)
    draw.rectangle([0, height - 60, width, height], fill=(70, 70, 75))
    # Stored at a photo's size: crops for search engines need 1200 px in every proportion.
    return _jpeg(image.resize((1920, 1200), Image.LANCZOS), f"demo-{seed}.jpg")


def portrait(name: str, colour: tuple[int, int, int]) -> ContentFile:
    image = Image.new("RGB", (400, 400), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse([130, 70, 270, 210], fill=(235, 215, 195))
    draw.ellipse([70, 230, 330, 500], fill=(235, 235, 235))
    return _jpeg(image, f"{slugify_de(name)}.jpg")


def body_html(detail: str, speaker: str, quote: str) -> str:
    return (
        f"<p>{detail}</p>"
        f"<blockquote><p>„{quote}“</p></blockquote>"
        f"<p>So fasst es {speaker} zusammen. Die Redaktion bleibt an dem Thema dran.</p>"
    )


def load(*, stdout) -> None:
    User = get_user_model()
    categories = {}
    for position, (path, name, description) in enumerate(CATEGORIES):
        parent_path, _, slug = path.rpartition("/")
        category = Category.objects.filter(path=path).first()
        if category is None:
            category = Category.objects.create(
                name=name, slug=slug, description=description, position=position,
                parent=categories.get(parent_path), color=COLORS.get(path, ""),
            )  # fmt: skip
        elif path in COLORS and not category.color:  # a demo from before the colours
            category.color = COLORS[path]
            category.save()
        categories[path] = category

    authors = []
    for name, slug, role, bio, colour in AUTHORS:
        author = Author.objects.filter(slug=slug).first()
        if author is None:
            author = Author(name=name, slug=slug, role=role, bio=bio)
            author.photo = library_image(portrait(name, colour), title=name, alt=f"Porträt: {name}")
            author.save()
        if author.user_id is None and slug in AUTHOR_LOGINS:
            # The demo logins write under their own byline (prefilled in the admin).
            author.user = User.objects.filter(username=AUTHOR_LOGINS[slug]).first()
            author.save()
        authors.append(author)

    now = timezone.now()
    created = 0
    for index, (path, title, kicker, lead, detail, (speaker, quote), tags) in enumerate(ARTICLES):
        slug = slugify_de(title)
        if Article.objects.filter(slug=slug).exists():
            continue
        root = path.split("/")[0]
        article = Article(
            title=title, slug=slug, kicker=kicker or "", lead=lead,
            body=body_html(detail, speaker, quote), category=categories[path],
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(hours=5 + index * 15),
            is_lead_story=index == 0,
        )  # fmt: skip
        article.lead_image = library_image(
            lead_image(index, PALETTE[root]), title=title, caption="Symbolbild",
            alt=f"Gezeichnete Stadtansicht mit Häusern, Rubrik {root.title()}",
        )  # fmt: skip
        if index == 0:  # a second photo inside the text, as the editor inserts it
            photo = library_image(
                lead_image(len(ARTICLES), PALETTE[root]), title="Hallenbad von außen",
                alt="Gezeichnete Stadtansicht mit dem Hallenbad", caption="Das Hallenbad heute",
            )  # fmt: skip
            article.body += (
                f'<figure class="image"><img src="{photo.file.url}" alt=""></figure>'
                "<p>Die Arbeiten sollen im Frühjahr beginnen.</p>"
            )
        article.save()
        article.authors.set([authors[index % len(authors)]])
        article.tags.set(tags)
        created += 1

    # A draft, one in review and a scheduled article show the workflow in the admin.
    writer = User.objects.filter(username=AUTHOR_LOGINS["jonas-feldkamp"]).first()
    for title, status, published_at in [
        ("Entwurf: Neue Pläne für den Marktplatz", Article.Status.DRAFT, now),
        ("Neue Buslinie soll das Gewerbegebiet anbinden", Article.Status.REVIEW, now),
        ("Vorschau: Silvesterfeuerwerk am Schlosspark", Article.Status.PUBLISHED,
         now + timedelta(days=30)),
    ]:  # fmt: skip
        Article.objects.get_or_create(
            slug=slugify_de(title),
            defaults={
                "title": title, "status": status, "published_at": published_at,
                "category": categories["lindenau"], "created_by": writer,
                "lead": "Dieser Artikel ist für Leserinnen und Leser noch nicht sichtbar.",
                "body": "<p>Text folgt.</p>",
            },
        )  # fmt: skip
    stdout.write(
        f"{len(CATEGORIES)} categories, {len(authors)} authors, "
        f"{created} new articles ({len(ARTICLES)} in the demo)."
    )
