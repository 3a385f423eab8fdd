"""A large, realistic archive for measuring the portal at ten years' size.

    python manage.py generate_content --articles 100000 --seed 1
    python manage.py generate_content --articles 100000 --seed 1 --lead-every 0

Tops up: with N articles already in the database, only the missing ones are added, so
running it twice with the same numbers adds nothing. Same seed and options, same archive.
`--lead-every` marks every Nth article as Aufmacher (default 25: about one a day, as a
newsroom that picks its lead story each morning leaves them marked); 0 leaves the archive
without any, the home page's worst case (the marks load_demo set are taken off too). Rows are
written with bulk_create, so Article.save() does not run: the body is built as HTML the
sanitizer would keep unchanged, and the derived fields (TaggedArticle.listed_at) are set here.
"""

import random
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from articles.demo import PALETTE, lead_image
from articles.demo_content import AUTHORS, CATEGORIES
from articles.models import Article, Author, Category, Tag, TaggedArticle
from images.models import Image as LibraryImage
from newsroom import caching
from newsroom.text import slugify_de

IMAGE_COUNT = 5
TAG_COUNT = 300
PER_DAY = (20, 30)
LEAD_EVERY = sum(PER_DAY) // 2  # about one Aufmacher a day

FIRST_NAMES = ["Anna", "Bernd", "Carla", "Dieter", "Elif", "Frank", "Greta", "Hakan", "Ines",
               "Jörg", "Katrin", "Lars", "Marta", "Nils", "Olga", "Peter", "Ruth", "Stefan",
               "Tanja", "Uwe", "Vera", "Wolfgang", "Yasmin", "Zoe"]  # fmt: skip
LAST_NAMES = ["Albers", "Brinkmann", "Dreher", "Eickhoff", "Fuchs", "Gerdes", "Hölscher",
              "Imhoff", "Jansen", "Kettler", "Lindner", "Möllenbeck", "Nowak", "Overbeck",
              "Pohlmann", "Quast", "Reimers", "Schulte-Berge", "Tebbe", "Uhlig", "Vossberg",
              "Wiemann", "Yilmaz", "Zurheide"]  # fmt: skip
PLACES = ["Lindenau", "Altstadt", "Nordfeld", "Brückenau", "Weidenhof", "Haselbach",
          "Ober-Krummen", "Tannenrode", "Am Mühlteich", "Kirchwerder-Süd"]  # fmt: skip
SUBJECTS = ["Der Stadtrat", "Die Feuerwehr", "Der Sportverein", "Die Grundschule",
            "Der Heimatverein", "Die Bürgerinitiative", "Das Ordnungsamt", "Die Stadtwerke",
            "Der Kreistag", "Die Musikschule", "Der Turnverein", "Die Polizei",
            "Das Jugendzentrum", "Die Kirchengemeinde", "Der Bauausschuss"]  # fmt: skip
VERBS = ["plant", "beschließt", "diskutiert über", "feiert", "eröffnet", "prüft",
         "verschiebt", "sammelt Spenden für", "lädt ein zu", "kritisiert", "startet",
         "verabschiedet", "sucht Helfer für", "stellt vor:"]  # fmt: skip
OBJECTS = ["den neuen Radweg", "das Sommerfest", "die Sanierung der Turnhalle",
           "einen Kreisverkehr", "das Hallenbad", "den Wochenmarkt", "die Ortsumgehung",
           "ein Jugendturnier", "den Spielplatz", "die Stadtbücherei", "das Weinfest",
           "neue Parkplätze", "die Kita-Erweiterung", "den Adventsmarkt", "die Buslinie 7",
           "das Gewerbegebiet Nord", "die Ratsitzung", "eine Ausstellung"]  # fmt: skip
SENTENCE_STARTS = ["Nach Angaben der Verwaltung", "Wie die Beteiligten mitteilten,",
                   "Am Dienstagabend", "Bereits im Frühjahr", "Nach langer Diskussion",
                   "Zur Überraschung vieler", "In einer ersten Stellungnahme",
                   "Im kommenden Jahr", "Bis zum Herbst",
                   "Auf Nachfrage unserer Zeitung"]  # fmt: skip
SENTENCE_ENDS = ["sollen die Arbeiten beginnen.", "ist eine Entscheidung gefallen.",
                 "wird mit Kosten von rund {n}.000 Euro gerechnet.",
                 "kamen mehr als {n}0 Besucherinnen und Besucher.",
                 "bleibt die Straße gesperrt.", "soll es eine Bürgerversammlung geben.",
                 "zeigten sich die Anwohner zufrieden.", "gibt es noch offene Fragen.",
                 "wurde der Antrag einstimmig angenommen.",
                 "hoffen die Organisatoren auf gutes Wetter."]  # fmt: skip
QUOTES = ["Wir sind auf einem guten Weg.", "Das hat lange gedauert, aber es lohnt sich.",
          "Ohne die Ehrenamtlichen ginge es nicht.", "Wir müssen jetzt schnell handeln.",
          "Darauf haben viele in {place} gewartet."]  # fmt: skip
KICKERS = ["Ein Überblick", "Was jetzt wichtig ist", "Die Hintergründe", "Reaktionen aus {place}",
           "Termine und Fakten"]  # fmt: skip
TAG_WORDS = ["Haushalt", "Radverkehr", "Schule", "Kita", "Feuerwehr", "Ehrenamt", "Baustelle",
             "Wahl", "Sommerfest", "Hallenbad", "Kreisliga", "Handball", "Konzert", "Theater",
             "Einzelhandel", "Wochenmarkt", "Umwelt", "Wohnen", "Senioren", "Jugend", "Klima",
             "Verkehr", "Polizei", "Unfall", "Kirche", "Museum", "Bücherei",
             "Stadtrat"]  # fmt: skip


class Command(BaseCommand):
    help = "Add generated articles (German, invented) up to --articles in total."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=1000, help="total wanted")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--batch", type=int, default=2000)
        parser.add_argument(
            "--lead-every",
            type=int,
            default=LEAD_EVERY,
            metavar="N",
            help=f"mark every Nth article as Aufmacher (default {LEAD_EVERY}: about one a "
            "day); 0: no Aufmacher at all, existing marks are taken off",
        )

    def handle(self, *args, articles, seed, batch, lead_every, **options):
        if articles < 0 or batch < 1 or lead_every < 0:
            raise CommandError("--articles and --lead-every must be >= 0 and --batch >= 1.")
        generator = ArchiveGenerator(seed=seed, stdout=self.stdout, lead_every=lead_every)
        started = time.monotonic()
        created = generator.top_up(articles, batch=batch)
        unmarked = generator.unmark_leads() if not lead_every else 0
        if created or unmarked:
            # Bulk writes send no signals: running sites must show the new articles.
            caching.invalidate(caching.ALL, caching.LIST)
        self.stdout.write(
            self.style.SUCCESS(f"{created} articles added in {time.monotonic() - started:.1f} s")
        )


class ArchiveGenerator:
    def __init__(self, *, seed: int = 1, stdout=None, lead_every: int = LEAD_EVERY):
        self.seed = seed
        self.stdout = stdout
        self.lead_every = lead_every

    def log(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)

    def top_up(self, total: int, *, batch: int = 2000) -> int:
        """Add articles until there are `total`; returns how many were added."""
        existing = Article.objects.count()
        missing = total - existing
        if missing <= 0:
            self.log(f"{existing} articles exist already; nothing to add.")
            return 0
        categories = self.categories()
        authors = self.authors()
        tags = self.tags()
        images = self.images()
        now = timezone.now()
        # Newest first, 20–30 a day back from now: N articles reach back N / 25 days.
        days_back = max(1, total * 2 // sum(PER_DAY))
        for start in range(existing, total, batch):
            end = min(start + batch, total)
            rnd = random.Random(f"{self.seed}-{start}")  # a batch does not depend on the last
            rows = [
                self.article(rnd, i, total, days_back, now, categories, images)
                for i in range(start, end)
            ]  # fmt: skip
            with transaction.atomic():
                Article.objects.bulk_create(rows)
                self.link(rnd, rows, authors, tags)
            self.log(f"{end - existing}/{missing} articles")
        return missing

    def unmark_leads(self) -> int:
        """Take the Aufmacher mark off every article (load_demo's included); returns how
        many. A bulk update, like the rows written here: the caller invalidates."""
        unmarked = Article.objects.filter(is_lead_story=True).update(is_lead_story=False)
        if unmarked:
            self.log(f"{unmarked} Aufmacher unmarked: the archive has none.")
        return unmarked

    def is_lead(self, i: int) -> bool:
        """Every `lead_every`th article from the eighth newest on: the newest few are not
        marked, so the home page shows an Aufmacher that is not the newest article."""
        return bool(self.lead_every) and i % self.lead_every == 7 % self.lead_every

    def categories(self) -> list[Category]:
        if not Category.objects.exists():
            made = {}
            for position, (path, name, description) in enumerate(CATEGORIES):
                parent_path, _, slug = path.rpartition("/")
                made[path] = Category.objects.create(
                    name=name, slug=slug, description=description, position=position,
                    parent=made.get(parent_path),
                )  # fmt: skip
        return list(Category.objects.all())

    def authors(self) -> list[Author]:
        have = list(Author.objects.all())
        if len(have) >= 8:
            return have
        taken = {a.slug for a in have}
        new = [Author(name=name, slug=slug, role=role, bio=bio)
               for name, slug, role, bio, _colour in AUTHORS if slug not in taken]  # fmt: skip
        Author.objects.bulk_create(new)
        return list(Author.objects.all())

    def tags(self) -> list[Tag]:
        rnd = random.Random(f"{self.seed}-tags")
        names = set(TAG_WORDS) | set(PLACES)
        while len(names) < TAG_COUNT:
            names.add(f"{rnd.choice(TAG_WORDS)} {rnd.choice(PLACES)}")
        existing = set(Tag.objects.values_list("name", flat=True))
        slugs = set(Tag.objects.values_list("slug", flat=True))
        new = []
        for name in sorted(names - existing):
            slug = base = slugify_de(name)[:90]
            n = 1
            while slug in slugs:
                slug, n = f"{base}_{n}", n + 1
            slugs.add(slug)
            new.append(Tag(name=name, slug=slug))
        Tag.objects.bulk_create(new)
        return list(Tag.objects.all())

    def images(self) -> list[LibraryImage]:
        """A handful of library images; many articles use the same ones."""
        images = []
        colours = list(PALETTE.values())
        rnd = random.Random(self.seed)
        for i in range(IMAGE_COUNT):
            title = f"Generiertes Bild {i + 1}"
            image = LibraryImage.objects.filter(title=title).first()
            if image is None:
                image = LibraryImage.objects.create(
                    title=title,
                    file=lead_image(self.seed * 100 + i, colours[i]),
                    alt_text="Gezeichnete Stadtansicht",
                    credit=f"{rnd.choice(FIRST_NAMES)} {rnd.choice(LAST_NAMES)}",
                )
            images.append(image)
        return images

    def article(self, rnd, i, total, days_back, now, categories, images) -> Article:
        place = rnd.choice(PLACES)
        subject, verb, obj = rnd.choice(SUBJECTS), rnd.choice(VERBS), rnd.choice(OBJECTS)
        title = f"{place}: {subject} {verb} {obj}"
        age = timedelta(days=days_back * i / total, minutes=rnd.randint(0, 50))
        published_at = now - age
        status = Article.Status.PUBLISHED
        roll = rnd.random()
        if roll < 0.01:
            status = Article.Status.DRAFT
        elif roll < 0.015:
            published_at = now + timedelta(hours=rnd.randint(1, 240))  # scheduled
        with_image = rnd.random() < 0.6
        image = rnd.choice(images) if with_image else None
        return Article(
            title=title[:200],
            slug=f"{slugify_de(title)[:150].strip('-')}-{i}",
            kicker=rnd.choice(KICKERS).format(place=place) if rnd.random() < 0.4 else "",
            lead=" ".join(self.sentence(rnd) for _ in range(2)),
            body=self.body(rnd, place),
            category=rnd.choice(categories),
            lead_image=image,
            lead_image_alt=f"Ansicht von {place}" if image else "",  # this use's own words
            status=status,
            published_at=published_at,
            is_lead_story=self.is_lead(i),
            updated_at=None,
        )

    def sentence(self, rnd) -> str:
        end = rnd.choice(SENTENCE_ENDS).format(n=rnd.randint(2, 90))
        return f"{rnd.choice(SENTENCE_STARTS)} {end}"

    def body(self, rnd, place) -> str:
        # Plain words in <p> and <blockquote>: what the sanitizer keeps unchanged.
        paragraphs = []
        for _ in range(rnd.randint(3, 6)):
            paragraphs.append(
                f"<p>{' '.join(self.sentence(rnd) for _ in range(rnd.randint(3, 5)))}</p>"
            )
        person = f"{rnd.choice(FIRST_NAMES)} {rnd.choice(LAST_NAMES)}"
        quote = rnd.choice(QUOTES).format(place=place)
        paragraphs.insert(1, f"<blockquote><p>„{quote}“</p></blockquote><p>Das sagt {person}.</p>")
        return "".join(paragraphs)

    def link(self, rnd, rows, authors, tags) -> None:
        through = Article.authors.through
        author_links, tag_links = [], []
        for article in rows:
            for author in rnd.sample(authors, k=1 if rnd.random() < 0.85 else 2):
                author_links.append(through(article_id=article.pk, author_id=author.pk))
            for tag in rnd.sample(tags, k=rnd.randint(1, 4)):
                tag_links.append(
                    TaggedArticle(content_object_id=article.pk, tag_id=tag.pk,
                                  listed_at=article.listed_at)
                )  # fmt: skip
        through.objects.bulk_create(author_links)
        TaggedArticle.objects.bulk_create(tag_links)
