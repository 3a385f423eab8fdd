"""Demo data for `manage.py load_demo` (idempotent).

Invented employers of the invented town of Lindenau: job ads in every state and one
banner per slot. Images are drawn with Pillow. Running it again refreshes the run dates
(so the demo stays live) and adds nothing twice.
"""

from datetime import timedelta
from io import BytesIO

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFont

from .models import Banner, JobAd, ads_today

DESCRIPTION = (
    "<p>{employer} sucht zum nächstmöglichen Zeitpunkt Verstärkung in {place}.</p>"
    "<p><strong>Ihre Aufgaben:</strong></p>"
    "<ul><li>{task}</li><li>Zusammenarbeit in einem freundlichen Team</li></ul>"
    "<p><strong>Wir bieten:</strong> faire Bezahlung, 30 Tage Urlaub und ein Jobticket.</p>"
)

# (employer, title, place, teaser, task, state, colour)
JOBS = [
    (
        "Stadtwerke Lindenau",
        "Elektroniker für Betriebstechnik (m/w/d)",
        "Lindenau",
        "Strom, Wasser und Wärme für 40.000 Menschen: Halten Sie unsere Netze am Laufen.",
        "Wartung und Instandsetzung unserer Umspannwerke",
        "live",
        (0, 94, 140),
    ),
    (
        "Bäckerei Sonnenkorn",
        "Bäckereifachverkäufer (m/w/d) in Teilzeit",
        "Lindenau-Nord",
        "Frühaufsteher gesucht: Beraten Sie unsere Kundschaft an der Theke am Marktplatz.",
        "Verkauf und Beratung an der Theke",
        "live",
        (176, 96, 16),
    ),
    (
        "Seniorenzentrum Am Lindenhof",
        "Pflegefachkraft (m/w/d)",
        "Lindenau-Süd",
        "Pflege mit Zeit und Herz: unbefristet, mit Tarif und eigenem Dienstplanwunsch.",
        "Grund- und Behandlungspflege unserer Bewohnerinnen und Bewohner",
        "live",
        (46, 125, 50),
    ),
    (
        "Autohaus Brenner",
        "Kfz-Mechatroniker (m/w/d)",
        "Lindenau-Ost",
        "Werkstatt mit moderner Ausstattung sucht Verstärkung für Service und Reparatur.",
        "Inspektion, Diagnose und Reparatur von Pkw",
        "live",
        (120, 30, 30),
    ),
    (
        "Gärtnerei Grünfink",
        "Gärtner im Garten- und Landschaftsbau (m/w/d)",
        "Lindenau",
        "Draußen arbeiten, Grünes schaffen: Wir pflegen Parks und Gärten der Region.",
        "Anlage und Pflege von Grünflächen",
        "submitted",
        (85, 139, 47),
    ),
    (
        "Buchhandlung Seitenwind",
        "Buchhändler (m/w/d)",
        "Lindenau-Altstadt",
        "Für unsere Buchhandlung in der Altstadt suchen wir eine Leseratte mit Kundenherz.",
        "Beratung, Bestellung und Veranstaltungen",
        "expired",
        (90, 60, 130),
    ),
    (
        "Lindenauer Schnellkredit GmbH",
        "Verdienen Sie 5000 Euro pro Woche von zu Hause",
        "Lindenau",
        "Ohne Vorkenntnisse sofort reich werden!",
        "Telefonverkauf",
        "rejected",
        (60, 60, 60),
    ),
]

BANNERS = [
    ("leaderboard", "Demo-Anzeige: Stadtfest Lindenau – 3 Tage Musik", (11, 79, 138)),
    ("header", "Demo-Anzeige: Möbelhaus Eichenhain – Winterschlussverkauf", (150, 60, 20)),
    ("sidebar", "Demo-Anzeige: Fahrschule Kurvenreich – jetzt anmelden", (30, 110, 60)),
    ("article", "Demo-Anzeige: Lindenauer Stadtbad – Sauna neu eröffnet", (20, 100, 130)),
    ("footer", "Demo-Anzeige: Hofladen Kleeberg – Gemüse aus der Region", (100, 80, 20)),
]

# These differ from their desktop format on phones; sidebar and article stay 300 × 250.
PHONE_BANNERS = {"leaderboard", "header", "footer"}

# Pillow's built-in font has no umlauts or dashes; Debian's fonts do, where installed.
SYSTEM_FONTS = ["DejaVuSans.ttf", "LiberationSans-Regular.ttf"]


def _font(size: int):
    for name in SYSTEM_FONTS:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow built without FreeType: a small bitmap font
        return ImageFont.load_default()


def _png(image: Image.Image) -> bytes:
    out = BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def _logo(name: str, colour: tuple[int, int, int]) -> ContentFile:
    image = Image.new("RGB", (192, 192), colour)
    draw = ImageDraw.Draw(image)
    initials = "".join(word[0] for word in name.split()[:2]).upper()
    draw.text((96, 96), initials, fill="white", font=_font(88), anchor="mm")
    return ContentFile(_png(image), name="logo.png")


def _banner_image(size: tuple[int, int], text: str, colour: tuple[int, int, int]) -> ContentFile:
    width, height = size
    image = Image.new("RGB", (width, height), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle([3, 3, width - 4, height - 4], outline="white", width=2)
    # As large as fits, on one line or on two (the narrow and the phone formats).
    layouts = []
    for lines in ([text], text.split(" – ", 1)):
        for font_size in range(40, 9, -2):
            font = _font(font_size)
            fits_height = len(lines) * font_size * 1.3 <= height - 8
            fits_width = all(draw.textlength(line, font=font) <= width - 30 for line in lines)
            if fits_height and fits_width:
                break
        layouts.append((font_size, lines, font))
    font_size, lines, font = max(layouts, key=lambda layout: layout[0])  # one line on a tie
    step = font_size * 1.3
    top = height / 2 - step * (len(lines) - 1) / 2
    for i, line in enumerate(lines):
        draw.text((width / 2, top + i * step), line, fill="white", font=font, anchor="mm")
    return ContentFile(_png(image), name="banner.png")


def load(*, stdout) -> None:
    today = ads_today()
    now = timezone.now()
    runs = {
        "live": (today - timedelta(days=3), today + timedelta(days=27)),
        "submitted": (today + timedelta(days=1), today + timedelta(days=30)),
        "expired": (today - timedelta(days=40), today - timedelta(days=10)),
        "rejected": (today + timedelta(days=2), today + timedelta(days=16)),
    }
    created = 0
    for i, (employer, title, place, teaser, task, state, colour) in enumerate(JOBS):
        first, last = runs[state]
        if state == "live":  # staggered, so "newest first" shows an order
            first -= timedelta(days=i)
        ad = JobAd.objects.filter(employer_name=employer, title=title).first()
        if ad is None:
            ad = JobAd(employer_name=employer, title=title)
            # Assigned, not saved: saving the ad then stores it like an upload, with the
            # smaller copies the job box shows (a file saved directly skipped them).
            ad.employer_logo = _logo(employer, colour)
            created += 1
        ad.place, ad.teaser = place, teaser
        ad.description = DESCRIPTION.format(employer=employer, place=place, task=task)
        ad.apply_url = f"https://example.org/karriere/{ad.slug}"
        ad.first_day, ad.last_day = first, last
        ad.contact_name = "Erika Musterfrau"
        ad.contact_email = "personal@example.org"
        ad.status = JobAd.Status.SUBMITTED if state == "submitted" else JobAd.Status.APPROVED
        ad.reviewed_at = None if state == "submitted" else now
        ad.rejection_reason = ""
        if state == "rejected":
            ad.status = JobAd.Status.REJECTED
            ad.rejection_reason = (
                "Unseriöses Angebot: Wir veröffentlichen keine Verdienstversprechen."
            )
        ad.full_clean()
        ad.save()

    banner_first, banner_last = today - timedelta(days=7), today + timedelta(days=60)
    for slot, text, colour in BANNERS:
        banner = Banner.objects.filter(slot=slot, name=f"Demo: {text}").first()
        if banner is None:
            banner = Banner(slot=slot, name=f"Demo: {text}")
            desktop = _banner_image(banner.slot_size, text, colour)
            banner.image.save("banner.png", desktop, save=False)
            created += 1
        if not banner.phone_image and slot in PHONE_BANNERS:
            phone = _banner_image(banner.phone_slot_size, text, colour)
            banner.phone_image.save("banner.png", phone, save=False)
        banner.alt_text = text
        banner.target_url = f"https://example.org/anzeige/{slot}"
        banner.first_day, banner.last_day = banner_first, banner_last
        banner.is_active = True
        banner.full_clean()
        banner.save()
    stdout.write(f"Ads: {len(JOBS)} job ads and {len(BANNERS)} banners ({created} new).")
