"""Demo data for the site itself: settings, footer pages and the demo login (idempotent)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

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

PAGES = [
    (
        "Impressum",
        "impressum",
        1,
        """
<h2>Angaben gemäß § 5 DDG</h2>
<p>Lindenauer Nachrichten<br>Demo-Verlag Lindenau GmbH<br>Marktplatz 3<br>12345 Lindenau</p>
<p>Geschäftsführerin: Dorothea Brinkhaus (erfundene Person)</p>
<h2>Verantwortlich für den Inhalt nach § 18 Abs. 2 MStV</h2>
<p>Miriam Adler, Anschrift wie oben</p>
<p>Dies ist ein Demo-Portal. Alle Personen, Firmen und Ereignisse sind erfunden.</p>
""",
    ),
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


def load(*, stdout) -> None:
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

    for title, slug, position, body in PAGES:
        Page.objects.get_or_create(
            slug=slug, defaults={"title": title, "position": position, "body": body.strip()}
        )

    User = get_user_model()
    for username, group, first_name, last_name, _role in DEMO_USERS:
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
