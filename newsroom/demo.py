"""Demo data for the site itself: settings, footer pages and the demo login (idempotent)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils.html import escape

from newsroom.models import Page, SiteSettings

DEMO_PASSWORD = "newsroom-demo"
# One login per role (invented people); the groups come from the migrations.
DEMO_USERS = [
    # username, group (None: administrator), first name, last name, role as shown
    ("redaktion", "Redaktion", "Jonas", "Feldkamp", "Redaktion"),
    ("cvd", "Chef vom Dienst", "Miriam", "Adler", "Chef vom Dienst"),
    ("anzeigen", "Anzeigen", "Sabine", "Ortmann", "Anzeigen"),
    ("admin", None, "Tobias", "Brandt", "Administrator"),
]

# The Impressum (site settings, shown at /impressum/): invented company, people, numbers.
IMPRINT = {
    "publisher_name": "Demo-Verlag Lindenau GmbH",
    "publisher_representative": "Geschäftsführerin: Dorothea Brinkhaus",
    "publisher_address": "Marktplatz 3\n12345 Lindenau",
    "contact_email": "redaktion@example.org",
    "contact_phone": "0123 456789",
    "register_court": "Amtsgericht Lindenau",
    "register_number": "HRB 12345",
    "vat_id": "DE999999999",
    "responsible_name": "Miriam Adler",
    "responsible_address": "Marktplatz 3\n12345 Lindenau",
    "imprint_text": (
        "<p>Dies ist ein Demo-Portal. Alle Personen, Firmen und Ereignisse sind erfunden.</p>"
    ),
}
# The free text of the demo's former Impressum page (moved there by newsroom/0004).
FORMER_IMPRINT_PAGE = "Alle Personen, Firmen und Ereignisse sind erfunden."

PAGES = [
    (
        "Datenschutz",
        "datenschutz",
        2,
        """
<h2>Datenschutz auf einen Blick</h2>
<p>Beim Lesen unserer Seiten setzen wir keine Cookies und binden keine Inhalte Dritter ein.
Schriften, Bilder und Skripte kommen von unserem eigenen Server.</p>
<h2>Anzeigen</h2>
<p>Wie oft Anzeigen gezeigt und angeklickt werden, zählen wir je Tag und Anzeige, ohne
Leserinnen und Leser wiederzuerkennen.</p>
<h2>Stellenanzeigen</h2>
<p>Kontaktdaten aus dem Anzeigenformular nutzen wir nur zur Abwicklung der Anzeige und
löschen sie nach Ablauf der Frist.</p>
""",
    ),
    (
        "Kontakt",
        "kontakt",
        3,
        """
<p>Sie haben ein Thema für uns? Schreiben Sie an
<a href="mailto:redaktion@example.org">redaktion@example.org</a> oder rufen Sie an:
<a href="tel:+49123456789">0123 456789</a>.</p>
<p>Redaktion Lindenauer Nachrichten, Marktplatz 3, 12345 Lindenau</p>
""",
    ),
]


def demo_logo(name: str, color: str) -> ContentFile:
    """A wordmark: the name in white on a rounded shape of the brand colour, after a small
    skyline of gables and a church tower. The text is stretched to the width reserved for
    it, so any font fits."""
    text_width = round(len(name) * 15.5)
    width = 84 + text_width + 22
    svg = f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 72" role="img">
<title>{escape(name)}</title>
<rect width="{width}" height="72" rx="14" fill="{color}"/>
<g fill="#fff">
<path d="M18 52V34l10-9 10 9v18z"/>
<path d="M41 52V24l6-12 6 12v28z"/>
<path d="M56 52V38l8-7 8 7v14z"/>
<rect x="14" y="54" width="62" height="4" rx="2"/>
</g>
<text x="84" y="46" fill="#fff" font-family="Georgia, 'Times New Roman', serif"
 font-size="28" font-weight="700" textLength="{text_width}"
 lengthAdjust="spacingAndGlyphs">{escape(name)}</text>
</svg>
"""
    return ContentFile(svg.encode(), name="logo.svg")


def load(*, stdout, logins: bool = True) -> None:
    # Settings someone already edited in the admin stay as they are.
    if not SiteSettings.objects.exists():
        SiteSettings(
            site_name="Lindenauer Nachrichten",
            town="Lindenau",
            tagline="Das Nachrichtenportal für Lindenau und die Region",
            promo_title="Neu: unser WhatsApp-Kanal",
            promo_text=(
                "Die wichtigsten Nachrichten aus Lindenau direkt aufs Handy – "
                "kostenlos und jederzeit abbestellbar."
            ),
            promo_link_label="Jetzt abonnieren",
            promo_link_url="https://example.org/whatsapp-kanal",
        ).save()
    settings = SiteSettings.objects.get(pk=1)
    if not settings.logo:
        # Saved like an upload: cleaned by newsroom.brand and sized for the page.
        settings.logo = demo_logo(settings.site_name, settings.brand_color)
        settings.save()
    if all(not getattr(settings, name).strip() for name in SiteSettings.IMPRINT_REQUIRED):
        # Never filled (a new install, or one from before the Impressum fields): the demo's.
        for name, value in IMPRINT.items():
            current = getattr(settings, name)
            if not current.strip() or (name == "imprint_text" and FORMER_IMPRINT_PAGE in current):
                setattr(settings, name, value)
        settings.save()

    for title, slug, position, body in PAGES:
        Page.objects.get_or_create(
            slug=slug, defaults={"title": title, "position": position, "body": body.strip()}
        )

    User = get_user_model()
    for username, group, first_name, last_name, _role in DEMO_USERS if logins else []:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@example.org", "first_name": first_name,
                      "last_name": last_name},
        )  # fmt: skip
        if created:
            user.set_password(DEMO_PASSWORD)
        # The demo logins keep their role, also in a database from before the roles.
        user.is_staff, user.is_superuser = True, group is None
        user.save()
        user.groups.set(Group.objects.filter(name=group) if group else [])
    stdout.write(f"Site settings and {len(PAGES)} pages ready.")


def logins() -> str:
    lines = [f"  {username:<10} {role}" for username, _g, _f, _l, role in DEMO_USERS]
    return "\n".join([f"Demo logins (password for each: {DEMO_PASSWORD}):", *lines])
