"""A WordPress export (WXR 1.2) shaped like the ten-year archive of a local news portal.

    python scripts/wxr_generate.py OUT.xml --posts 20000 [--seed 1]

For the import bench of scripts/bench.sh. OUT ending in .gz is gzip-compressed. The file is
streamed item by item (written to OUT.part, renamed when complete): memory stays flat for
any number of posts. The same arguments give the same bytes.

The shapes are those of WordPress 6.x's export.php (channel, wp:author, wp:category,
wp:tag, wp:term, item, wp:postmeta, wp:comment; every text in CDATA, `]]>` split as
wxr_cdata() does). The data is meant to be as awkward as a real archive, not a demo:

- N items of post_type "post", 2015 to 2024, in post ID order (with gaps): mostly in date
  order, interleaved within a day, about 1 % backdated; the last few scheduled ("future").
  Also a handful of pages, a Contact Form 7 form, nav menu items and a reusable block.
- 8 authors (one with an empty display name; a few posts by no author at all).
- Categories: 6 towns × 6 topics (slugs in three styles: "dorsten-sport", WordPress's own
  "sport-schermbeck", plain "sport"), Dorsten > Sport > Fußball > Kreisliga A (4 levels),
  "Allgemein" with the slug "uncategorized", "Corona" > "Liveticker"; names stored the
  WordPress way ("Schule &amp; Bildung").
- About 300 tags, some named like categories ("Sport", "Dorsten"), near duplicates,
  "strassenbau" and "strassenbau-2", an emoji tag with a percent-encoded slug.
- Titles with umlauts, „German quotes“, now and then an emoji (percent-encoded in the slug),
  "&" and "&amp;", the same headline in many years (slugs "-2", "-3", … as WordPress makes
  them; a few even share a slug, as plugins that bypass wp_unique_post_slug() leave them),
  rarely an empty title.
- Classic content (paragraphs separated by blank lines, for wpautop; <!--more-->, &nbsp;,
  pasted <span style>) before 2019, mostly Gutenberg blocks after; unknown shortcodes
  ([contact-form-7 id="5"], [su_box]…[/su_box]), YouTube URLs alone on a line, embeds,
  scripts with //<![CDATA[ … //]]>, links to earlier posts (http:// before the switch to
  https, sometimes ?p=ID), <!-- wp:block {"ref":…} /-->.
- Statuses: mostly publish; draft and pending (post_date_gmt 0000-00-00 00:00:00, mostly
  without post_name, link ?p=ID), private, future, trash ("…__trashed"), one post in ~500
  password-protected, three sticky.
- Postmeta as real sites have it (_edit_last, Yoast, _wp_old_slug, _oembed_…, classic
  editor); some posts have comments and pingbacks. No attachments, no _thumbnail_id.

Permalinks: /%year%/%monthnum%/%postname%/.
"""

import argparse
import bisect
import gzip
import hashlib
import io
import itertools
import os
import random
import re
import sys
import time
import unicodedata
from array import array
from collections import deque
from datetime import date, datetime, timedelta
from xml.sax.saxutils import escape

SITE = "https://www.lippeland-lokal.example"
OLD_SITE = "http://www.lippeland-lokal.example"  # before the switch to https
HTTPS_SINCE = datetime(2017, 9, 1)
BLOCK_EDITOR_SINCE = datetime(2019, 1, 1)
FIRST_DAY = date(2015, 1, 1)
LAST_DAY = date(2024, 12, 31)
EXPORTED_UTC = datetime(2025, 1, 14, 9, 12, 44)
WP_VERSION = "6.4.3"
ZERO_DATE = "0000-00-00 00:00:00"

# --- time: WordPress stores local time (Europe/Berlin) and GMT ----------------------------


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month, 31)  # March and October
    return last - timedelta(days=(last.weekday() + 1) % 7)


_DST = {
    y: (
        datetime.combine(_last_sunday(y, 3), datetime.min.time()) + timedelta(hours=3),
        datetime.combine(_last_sunday(y, 10), datetime.min.time()) + timedelta(hours=3),
    )
    for y in range(2010, 2031)
}


def local_to_utc(local: datetime) -> datetime:
    """Europe/Berlin to UTC (the generator makes no times between 02:00 and 03:00)."""
    start, end = _DST[local.year]
    return local - timedelta(hours=2 if start <= local < end else 1)


def utc_to_local(utc: datetime) -> datetime:
    start, end = _DST[utc.year]
    summer = start - timedelta(hours=2) <= utc < end - timedelta(hours=2)  # 01:00 UTC both
    return utc + timedelta(hours=2 if summer else 1)


def mysql(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S")


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc2822(utc: datetime) -> str:
    return (
        f"{_DAYS[utc.weekday()]}, {utc.day:02d} {_MONTHS[utc.month - 1]} {utc.year} "
        f"{utc:%H:%M:%S} +0000"
    )


# --- WordPress's text functions ---------------------------------------------------------


def cdata(text: str) -> str:
    """wxr_cdata(): CDATA, with `]]>` split over two sections."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


_GERMAN = str.maketrans(dict(zip("äöüÄÖÜß", "ae oe ue Ae Oe Ue ss".split(), strict=True)))
# sanitize_title_with_dashes('save'): dashes and spaces that become "-", punctuation that goes.
_DASHES = re.compile("[\u00a0\u2013\u2014]")
_DROPPED = re.compile("[¡¿«»‹›‘’‚“”„…™\u00ad]")


def wp_slug(title: str) -> str:
    """sanitize_title() of a German site: remove_accents, then sanitize_title_with_dashes."""
    text = re.sub(r"<[^>]*>", "", title).translate(_GERMAN)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _DROPPED.sub("", _DASHES.sub("-", text)).lower()
    text = "".join(c if c < "\x80" else "".join(f"%{b:02x}" for b in c.encode()) for c in text)
    text = re.sub(r"&.+?;", "", text).replace(".", "-")
    text = re.sub(r"[^%a-z0-9 _-]", "", text)
    text = re.sub(r"\s+", "-", text)
    return re.sub(r"-+", "-", text).strip("-")[:200]


def words(text: str) -> list[str]:
    return [word.strip() for word in text.replace("\n", "").split("|")]


def sort_key(name: str) -> str:
    """MySQL's utf8mb4_unicode_ci, roughly: no case, no accents."""
    return "".join(
        c for c in unicodedata.normalize("NFKD", name.casefold()) if not unicodedata.combining(c)
    )


class SlugSet:
    """The post slugs taken so far, as 64-bit hashes in one preallocated open-addressing table
    (2 MB for 100,000 posts, not a growing set of strings)."""

    def __init__(self, expected: int):
        self._resize(1 << max(12, (expected * 2).bit_length()))

    def _resize(self, size: int) -> None:
        old = getattr(self, "table", ())
        self.table, self.mask, self.count = array("Q", bytes(8 * size)), size - 1, 0
        for key in old:
            if key:
                self._insert(key)

    @staticmethod
    def _key(slug: str) -> int:
        return int.from_bytes(hashlib.blake2b(slug.encode(), digest_size=8).digest()) or 1

    def _slot(self, key: int) -> int:
        i = key & self.mask
        while self.table[i] and self.table[i] != key:
            i = (i + 1) & self.mask
        return i

    def _insert(self, key: int) -> None:
        i = self._slot(key)
        if not self.table[i]:
            self.table[i] = key
            self.count += 1

    def __contains__(self, slug: str) -> bool:
        return bool(self.table[self._slot(self._key(slug))])

    def add(self, slug: str) -> None:
        if self.count * 10 > len(self.table) * 7:
            self._resize(len(self.table) * 2)
        self._insert(self._key(slug))


# --- the site ------------------------------------------------------------------------------

# login, display name, first, last, weight, first year, last year
AUTHORS = [
    ("redaktion", "redaktion", "", "", 14, 2015, 2024),
    ("jbrueggemann", "Jana Brüggemann", "Jana", "Brüggemann", 24, 2015, 2024),
    ("tkleinhans", "Tobias Kleinhans", "Tobias", "Kleinhans", 20, 2015, 2021),
    ("moelbracht", "Miriam Oelbracht", "Miriam", "Oelbracht", 16, 2017, 2024),
    ("shusemann", "Stefan Husemann", "Stefan", "Husemann", 11, 2015, 2024),
    ("a.yilmaz", "Ayşe Yılmaz", "Ayşe", "Yılmaz", 9, 2020, 2024),
    ("praktikum", "", "", "", 3, 2016, 2018),  # the interns' shared login, no display name
    ("k.schulte-wuellner", "Klaus Schulte-Wüllner", "Klaus", "Schulte-Wüllner", 4, 2015, 2019),
]

# name; slug; slug style of its topics; Ortsteile; mayor
TOWNS = [
    (name, slug, style, words(places), mayor)
    for name, slug, style, places, mayor in (
        line.split(";")
        for line in """
Dorsten;dorsten;prefix;Altstadt|Hervest|Holsterhausen|Wulfen|Lembeck|Rhade|Deuten;K.-H. Wüllner
Haltern am See;haltern-am-see;prefix;Sythen|Lippramsdorf|Lavesum|Hullern|Flaesheim;Bodo Klimpel-Ost
Marl;marl;prefix;Hüls|Drewer|Brassert|Sinsen|Lenkerbeck|Polsum|Alt-Marl;Werner Arndt-Kühn
Gladbeck;gladbeck;prefix;Brauck|Butendorf|Ellinghorst|Rentfort|Zweckel|Schultendorf;Ulrike Roland
Schermbeck;schermbeck;suffix;Gahlen|Altschermbeck|Damm|Bricht|Weselerwald;Mike Rexforth-Lang
Dülmen;duelmen;plain;Buldern|Hiddingsel|Merfeld|Rorup|Hausdülmen|Kirchspiel;Carsten Hövekamp
""".strip().splitlines()
    )
]
TOWN_WEIGHTS = [34, 15, 15, 12, 10, 14]
DUELMEN_SINCE = datetime(2019, 3, 1)  # the portal grew
TOPICS = ["Blaulicht", "Rathaus", "Sport", "Kultur", "Wirtschaft", "Schule &amp; Bildung"]
TOPIC_WEIGHTS = [25, 20, 20, 14, 12, 9]
HOUR_WEIGHTS = (3, 9, 8, 6, 5, 5, 5, 5, 5, 5, 5, 6, 6, 5, 4, 4, 3, 2, 2)  # 05:00 to 23:00
CORONA = (datetime(2020, 3, 1), datetime(2022, 6, 30))

STREETS = words("""
    Lippestraße|Schulstraße|Hauptstraße|Bahnhofstraße|Marler Straße|Halterner Straße|
    Borkener Straße|Recklinghäuser Straße|Klosterstraße|Gahlener Straße|Hülsstraße|
    Bergstraße|Kanalstraße|Dorfstraße|Friedhofstraße|Weseler Straße|Breite Straße|
    Lindenstraße|Feldstraße|Von-Galen-Straße|Glück-Auf-Straße|Zechenstraße|Kirchstraße|
    Gartenstraße|Dülmener Straße|Coesfelder Straße|Gladbecker Straße|Bottroper Straße
""")
CLUBS = words("""
    SV Lembeck|VfL Schermbeck|TuS Gahlen|SG Wulfen|BVH Dorsten|TSV Marl-Hüls|TuS Haltern|
    FC Rhade|Blau-Weiß Dülmen|SC Buldern|VfB Hüls|SuS Hervest|Germania Lenkerbeck|
    DJK Adler Buldern|Rot-Weiß Deuten|FC Gladbeck 04|SpVgg Erkenschwick II|TuS Sythen|
    Schwarz-Weiß Holsterhausen|SV Polsum
""")
FIRST_NAMES = words("""
    Ute|Heinz-Jürgen|Dilara|Marek|Björn|Sabine|Jürgen|Anke|Mehmet|Katharina|Bernd|Lea|
    Thorsten|Żaneta|Hildegard|Jonas|Ramona|Ömer|Friederike|Dirk
""")
LAST_NAMES = words("""
    Nowak|Bölte|Kaya|Kowalski|Terfrüchte|Schäfer|Wessendorf|Hüging|Öztürk|Brinkmann|
    Große-Kleimann|Lammerskötter|Schulze Pellengahr|Wiggers|Tenbrink|Nienhaus|Görtz|Duesmann|
    Kuhlmann|Sievert
""")
SHOPS = words("""
    Bäckerei Overkämping|Modehaus Schürmann|Eiscafé Venezia|Buchhandlung Görtz|
    Metzgerei Tenhumberg|Blumen Hüging|Fahrrad-Kuhlmann|Müller & Söhne
""")
WEEKDAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
MONTHS = words("""
    Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember
""")
EMOJI = ["⚽", "🎄", "☕", "📚", "👑", "🎉", "🚒", "☀️", "🌧️", "🐺"]

TITLES = {
    "Blaulicht": [
        "Einbruch in {building} in {place}: Täter erbeuten {loot}",
        "{driver} ({age}) bei Unfall auf der {street} schwer verletzt",
        "Unfall auf der {street} in {place}: {small} Verletzte",
        "Feuerwehr löscht Brand in {building} an der {street} in {place}",
        "Polizei stoppt Raser auf der {street}: {speed} km/h statt 50",
        "{age}-Jährige aus {place} vermisst – Polizei bittet um Hilfe",
        "Betrüger am Telefon: {age}-Jährige aus {place} verliert {money}",
        "{small} Autos an der {street} in {place} aufgebrochen",
        "Großeinsatz an der {street} in {place}: {reason}",
        "Sperrung der {street} in {place} nach {reason}",
        "Kellerbrand an der {street} in {place}: Familie bringt sich in Sicherheit",
    ],
    "Rathaus": [
        "Rat in {town} beschließt Haushalt {year} mit {money} Defizit",
        "Neue Kita in {place} soll {nextyear} öffnen – {small} Gruppen geplant",
        "Anwohner der {street} in {place} protestieren gegen {project}",
        "Sanierung der {street} in {place} dauert bis {month} {nextyear}",
        "Grundsteuer steigt um {small}0 Prozent: Das müssen Hausbesitzer in {place} zahlen",
        "„{quote}“ – {person} über {project} in {place}",
        "Bauausschuss vertagt Entscheidung über {project} an der {street}",
        "{project} an der {street} in {place} kostet {money}",
        "Bürgermeister {mayor} zu {project}: „{quote}“",
        "Kommunalwahl: {person} tritt in {place} an",
    ],
    "Sport": [
        "{club} gewinnt Derby gegen {club2} mit {score}",
        "{club} verliert {score} gegen {club2}",
        "{club}: Trainer {person} hört nach {small} Jahren auf",
        "Kunstrasenplatz in {place} für {money} fertig",
        "Stadtlauf {year}: {number} Läuferinnen und Läufer in {town}",
        "{club} steigt nach {score} gegen {club2} in die {league} auf",
        "{person} ({age}) wird Kreismeister im {sport}",
        "Hallenmeisterschaft in {place}: {club} holt den Titel",
    ],
    "Kultur": [
        "Altstadtfest {year} in {town}: {number} Besucher am {weekday}",
        "Ausstellung im Heimathaus {place}: Bilder von {person}",
        "Konzert in {place}: {choir} singt für {cause}",
        "Bücherei {place} lädt zum Lesesommer {year} ein – {number} Bücher",
        "Schützenfest in {place}: {person} ist neuer König",
        "Lesung mit {person}: „{quote}“",
        "Kabarett im Alten Rathaus {town}: {person} kommt am {weekday}",
    ],
    "Wirtschaft": [
        "Hofladen in {place}: Familie {lastname} setzt auf regionale Produkte",
        "{shop} an der {street} schließt nach {years} Jahren",
        "Neues Café an der {street} in {place} eröffnet",
        "Wochenmarkt in {place}: {small} Händler weniger als im Vorjahr",
        "Gewerbegebiet {place}: {number} neue Arbeitsplätze",
        "{shop} feiert {years}-jähriges Bestehen",
    ],
    "Schule &amp; Bildung": [
        "Abitur {year}: {number} Schülerinnen und Schüler in {town} bestehen",
        "Gymnasium {place} bekommt neue Turnhalle für {money}",
        "Grundschule {place}: Eltern fordern {small}0 mehr OGS-Plätze",
        "Schulweg an der {street} in {place}: Eltern sorgen sich um Sicherheit",
    ],
}
# Now and then a headline gets a tail.
TAILS = [
    " – {person} äußert sich", " – das sagt die Stadt", ": Die Hintergründe", " (mit Video)",
    " – alle Infos", " am {weekday}", " – Fotos", ": {person} zieht Bilanz",
    " – Anwohner in {place} reagieren", " – Entscheidung im {month}",
]  # fmt: skip
SLOTS = {
    "building": "Einfamilienhaus|Kiosk|Kindergarten|Vereinsheim|Apotheke|Bäckerei|Gartenlaube|"
    "Schule|Supermarkt|Tankstelle|Pfarrheim|Sporthalle",
    "loot": "Bargeld|Schmuck|Werkzeug|Zigaretten|Laptops|E-Bikes|Handys|Kupferkabel|"
    "Elektrogeräte|einen Tresor",
    "driver": "Autofahrer|Radfahrerin|Motorradfahrer|Rollerfahrer|Lkw-Fahrer|Fußgängerin|"
    "Pedelec-Fahrer|Seniorin",
    "reason": "Wasserrohrbruch|Gasleck|Ölspur|Baumsturz|Bombenfund|Stromausfall|Dachstuhlbrand|"
    "Chemieunfall",
    "project": "Neubaugebiet|Windpark|Kreisverkehr|Mobilfunkmast|Flüchtlingsunterkunft|"
    "Parkhaus|Discounter|Logistikzentrum|Radschnellweg|Tempo 30|Bürgerbad|Spielplatz",
    "league": "Bezirksliga|Landesliga|Kreisliga A|Oberliga|Westfalenliga",
    "sport": "Tischtennis|Schwimmen|Judo|Bogenschießen|Tennis|Crosslauf|Dressurreiten|Boxen",
    "choir": "Kirchenchor|Männergesangverein|Gospelchor|Jugendorchester|Spielmannszug",
    "cause": "die Tafel|das Hospiz|die Orgel|Flutopfer|das Tierheim|die Kinderklinik",
}  # fmt: skip
SLOTS = {key: words(values) for key, values in SLOTS.items()}
# The same headline year after year: month (0 = any), posts a year (whatever N is).
RECURRING = [
    ("Weihnachtsmarkt öffnet am Freitag", 11, 3),
    ("Blitzer: Hier wird in dieser Woche kontrolliert", 0, 50),
    ("Sommerferien: Tipps für die Daheimgebliebenen", 7, 2),
    ("Osterfeuer: Alle Termine im Überblick", 4, 3),
    ("Karneval: Die Umzüge im Überblick", 2, 3),
    ("Wochenmarkt fällt wegen Feiertag aus", 0, 6),
    ("Silvester: Hier ist Böllern verboten", 12, 3),
    ("Glatteis: Mehrere Unfälle im Berufsverkehr", 1, 2),
    ("Neujahrsempfang im Rathaus", 1, 4),
    ("Der Wochenrückblick", 0, 50),
    ("Kirmes: Das ist neu in diesem Jahr", 9, 3),
    ("Zeugnistag: Die Sommerferien beginnen", 6, 2),
]
# Per month of the year: the recurring headlines and their expected posts in that month.
RECURRING_BY_MONTH = {
    month: [(title, per_year / 12 if m == 0 else per_year) for title, m, per_year in RECURRING
            if m in (0, month)]
    for month in range(1, 13)
}  # fmt: skip
QUOTES = [
    "Wir machen weiter",
    "Das ist ein schwarzer Tag für die Stadt",
    "Wir haben keine Wahl",
    "So etwas habe ich noch nie erlebt",
    "Die Menschen hier halten zusammen",
    "Ohne Ehrenamt geht es nicht",
    "Wir geben nicht auf",
]

GENERIC = [
    "Die Redaktion wird weiter über das Thema berichten.",
    "Nach Einschätzung von Fachleuten ist die Lage in {town} kein Einzelfall.",
    "Viele Anwohnerinnen und Anwohner hatten sich zuvor mit Fragen an die Redaktion gewandt.",
    "Nicht alle sind mit der Entwicklung zufrieden, wie zahlreiche Zuschriften zeigen.",
    "Ob der ehrgeizige Zeitplan zu halten ist, bleibt abzuwarten.",
    "Fest steht bislang nur, dass es keine schnelle und einfache Lösung geben wird.",
    "Die Stimmung unter den Beteiligten wird als konstruktiv beschrieben.",
    "Kritik kommt vor allem aus {place}, wo man sich übergangen fühlt.",
    "Die Kosten belaufen sich nach ersten Schätzungen auf rund {money}.",
    "Im Gespräch mit unserer Redaktion zeigte sich {person} dennoch zuversichtlich.",
    "Wer Fragen hat, erreicht die Stadtverwaltung unter Tel. 02362/66-{phone}.",
    "Der Eintritt ist frei, um Spenden wird gebeten.",
    "Die {street} bleibt bis voraussichtlich {weekday} gesperrt.",
    "Gleichzeitig wird in {town} über mögliche Alternativen nachgedacht.",
    "„{quote}“, sagt {person}.",
    "„Wir sind auf einem guten Weg“, betont {person} im Gespräch mit unserer Redaktion.",
    "Die Resonanz war nach Auskunft der Organisatoren deutlich größer als erwartet.",
    "Rund {number} Besucherinnen und Besucher kamen am {weekday} nach {place}.",
    "Ein Sprecher der Stadt {town} bestätigte den Vorgang auf Nachfrage.",
    "Die Entscheidung fiel mit knapper Mehrheit: {small} zu {small2} Stimmen.",
    "Das letzte Wort ist in dieser Sache aber noch nicht gesprochen.",
    "Wie es weitergeht, soll in der nächsten Sitzung im {month} besprochen werden.",
    "Die Verwaltung prüft derzeit, ob Fördermittel des Landes NRW in Frage kommen.",
    "Bereits im vergangenen Jahr hatte es ähnliche Diskussionen gegeben.",
    "Die Kosten trägt zum größten Teil der Kreis, den Rest übernimmt die Stadt {town}.",
    "Auch {shop} an der {street} ist betroffen.",
]
BODY = {
    "Blaulicht": [
        "Nach Angaben der Polizei ereignete sich der Vorfall am {weekday} gegen {clock} Uhr.",
        "Zeugen, die verdächtige Beobachtungen gemacht haben, werden gebeten, sich unter "
        "Tel. 0800/2361 111 bei der Kriminalpolizei zu melden.",
        "Verletzt wurde nach ersten Erkenntnissen der Einsatzkräfte niemand.",
        "Die Feuerwehr war mit {small}0 Einsatzkräften vor Ort.",
        "Einer der Verdächtigen soll etwa 1,80 Meter groß gewesen sein und eine dunkle Jacke "
        "getragen haben.",
        "Der Sachschaden wird auf etwa {money} geschätzt.",
        "Ein Rettungswagen brachte die {age}-jährige Fahrerin in ein Krankenhaus.",
        "Die Täter entkamen unerkannt in Richtung {street}.",
        "Während der Löscharbeiten war die {street} für rund zwei Stunden gesperrt.",
        "Die Polizei rät: Lassen Sie keine Wertsachen sichtbar im Auto liegen.",
    ],
    "Rathaus": [
        "Der Rat der Stadt {town} hat am {weekday}abend mehrheitlich zugestimmt.",
        "Die Fraktionen von CDU, SPD und Grünen hatten sich im Vorfeld auf einen Kompromiss "
        "verständigt.",
        "Bürgermeister {mayor} sprach von einem „wichtigen Signal für die ganze Stadt“.",
        "Die Verwaltung rechnet mit Mehrkosten von {money}.",
        "Der Bauausschuss wird sich im {month} erneut mit dem Thema befassen.",
        "Anwohner der {street} hatten eine Unterschriftenliste mit {number} Namen überreicht.",
        "Die FDP stimmte dagegen, die Linke enthielt sich.",
        "Der Haushalt weist ein Defizit von {money} aus.",
    ],
    "Sport": [
        "{club} bleibt damit weiterhin im oberen Tabellendrittel.",
        "Ein Platzverweis kurz vor der Pause veränderte den Charakter des Spiels deutlich.",
        "Die Defensive stand über weite Strecken sicher und ließ kaum Chancen zu.",
        "Das Training findet dienstags und donnerstags jeweils ab 18 Uhr statt.",
        "Vor {number} Zuschauern erzielte {person} in der {minute}. Minute das {score}.",
        "Trainer {person} war nach dem Abpfiff sichtlich zufrieden.",
        "Am kommenden Sonntag geht es zum Auswärtsspiel nach {place}.",
        "Für den Stadtlauf haben sich bereits mehr als {number} Läuferinnen und Läufer angemeldet.",
    ],
    "Kultur": [
        "Die Ausstellung ist bis zum {day}. {month} dienstags bis sonntags von 11 bis 17 Uhr "
        "geöffnet.",
        "Karten gibt es im Vorverkauf für {euro} Euro, an der Abendkasse kosten sie {euro2} Euro.",
        "Der Heimatverein {place} hat das Programm in diesem Jahr deutlich erweitert.",
        "Musikalisch begleitet wird der Abend vom Jugendorchester {town}.",
        "Die Veranstalter rechnen mit mehreren tausend Gästen.",
    ],
    "Wirtschaft": [
        "Der Umsatz lag im vergangenen Jahr leicht über dem Niveau der Vorjahre.",
        "Die Flächen im neuen Gewerbegebiet sind zu einem Großteil bereits vergeben.",
        "Der Betrieb beschäftigt derzeit {number} Mitarbeiterinnen und Mitarbeiter.",
        "Die Industrie- und Handelskammer sieht die Entwicklung mit Sorge.",
        "Geöffnet ist montags bis freitags von 9 bis 18 Uhr, samstags bis 14 Uhr.",
        "Die Inhaber {person} und {person2} setzen auf regionale Produkte.",
    ],
    "Schule &amp; Bildung": [
        "Die Schule zählt derzeit rund {number} Schülerinnen und Schüler.",
        "Der Anmeldetermin für die fünften Klassen ist am {weekday}, {day}. {month}.",
        "Die Elternpflegschaft fordert schon seit Jahren mehr Platz.",
        "Die Bauarbeiten sollen in den Sommerferien beginnen.",
    ],
}
HEADINGS = words("""
    Was bisher bekannt ist|Der Einsatz|Ausblick|So geht es weiter|Die Hintergründe|
    Das sagen die Anwohner|Info|Termine im Überblick
""")
YOUTUBE_IDS = words("""
    dQw4w9WgXcQ|kJQP7kiw5Fk|3JZ_D3ELwOQ|L_jWHffIx5E|hT_nvWreIhg|9bZkp7q5f_w|fJ9rUzIMcZQ|
    OPf0YbXqDm0
""")
ANCHORS = ["wie berichtet", "berichteten wir", "hier", "mehr dazu", "unser Bericht vom Vorjahr"]
CONTACT_FORM = '[contact-form-7 id="5" title="Kontaktformular 1"]'
SU_BOX = '[su_box title="Info" style="soft" box_color="#2a6496"]{}[/su_box]'
SU_BUTTON = '[su_button url="https://www.lippeland-lokal.example/abo/" style="flat"]Abo[/su_button]'
SCRIPT = (
    '<script type="text/javascript">//<![CDATA[\n'
    'var lippelandTicker = {{ id: {small}, town: "{town}" }};\n'
    "//]]></script>\n"
    '<div id="ticker-{small}"></div>'
)


def tag_list() -> list[str]:
    """About 300 tag names (as stored: "&amp;"), in the order they were created."""
    topical = """Polizei Feuerwehr Einbruch Verkehrsunfall Unfall Brand Rettungsdienst Zeugen
    Diebstahl Betrug Enkeltrick Blitzer Baustelle Sperrung Stau Radweg ÖPNV Bus Bahn Schule
    Kita OGS Abitur Gymnasium Grundschule Haushalt Ratssitzung Bauausschuss Bürgermeister
    Kommunalwahl Landtagswahl Bundestagswahl Stadtentwicklung Innenstadt Wochenmarkt
    Einzelhandel Handwerk Gastronomie Arbeitsplätze Insolvenz Wetter Unwetter Hitze Glatteis
    Hochwasser Lippe Naturschutz Klimaschutz Müll Kultur Konzert Ausstellung Theater Kino
    Bibliothek Lesung Heimatverein Schützenfest Karneval Weihnachtsmarkt Ostern Ehrenamt
    Jugend Senioren Kirche Flüchtlinge Integration Gesundheit Krankenhaus Pflege Corona
    Coronavirus Corona-Virus Impfung Lockdown Fußball Handball Leichtathletik Schwimmen Tennis
    Reiten Radsport Laufen Kreisliga Bezirksliga Landesliga Jugendfußball Sport Video
    Fotostrecke Umfrage Kommentar Leserbrief Gewinnspiel Straßenbau Straßenausbaubeiträge
    Grundsteuer Gewerbesteuer Windkraft Solar Digitalisierung Breitband Glasfaser Wohnungsbau
    Neubaugebiet Spielplatz Freibad Hallenbad Stadtfest Kirmes Flohmarkt Tierheim Hunde Wolf
    Jagd Landwirtschaft Hofladen Ernte Energie Strompreise Wasser Kanal Friedhof Denkmal
    Archäologie Geschichte Zeche Bergbau Strukturwandel Tourismus Radtour Wandern Museum
    Sparkasse Volksbank Feuerwerk Martinszug Nikolaus Sternsinger Maibaum Erntedank
    Kommunalpolitik Verwaltung Personalien Nachruf Jubiläum Goldhochzeit Blutspende DRK THW
    Tafel Wohnungsnot Mietspiegel Ferienspaß Stadtbücherei Musikschule Volkshochschule""".split()
    extra = words("""
        Wesel-Datteln-Kanal|Kunst &amp; Kultur|Schule &amp; Beruf|„Dorsten putzt“|⚽ Liveticker|
        2020|Strassenbau|A 31|A 52|B 224|E-Mobilität|Kinder- und Jugendparlament|
        Tag des offenen Denkmals|#wirbleibenzuhause
    """)
    towns = [t[0] for t in TOWNS]
    places = [p for t in TOWNS for p in t[3]]
    events = [
        f"{event} {year}"
        for event in ("Altstadtfest", "Stadtlauf", "Weihnachtsmarkt", "Kommunalwahl")
        for year in range(2015, 2025)
        if event != "Kommunalwahl" or year in (2015, 2020)
    ]
    persons = [f"{FIRST_NAMES[i]} {LAST_NAMES[(i * 7) % len(LAST_NAMES)]}" for i in range(14)]
    names = topical + towns + places + STREETS + CLUBS + events + persons + extra
    return list(dict.fromkeys(names))


def tag_years(name: str) -> tuple[int, int]:
    """The years in which a tag is used."""
    if re.search(r"(^| )20[12]\d$", name):
        return int(name[-4:]), int(name[-4:])
    if re.search(r"[Cc]orona|Impfung|Lockdown|#wir", name):
        return 2020, 2022
    return 0, 9999


class Site:
    """Authors, terms and the fixed items (pages, menu, form), with their term ids."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.next_term = 2
        self.categories = []  # dicts: id, name, slug, parent (slug)
        self.tags = []
        self.categories.append(
            {"id": 1, "name": "Allgemein", "slug": "uncategorized", "parent": ""}
        )
        tag_names = tag_list()
        split1, split2 = int(len(tag_names) * 0.6), int(len(tag_names) * 0.8)
        self.town_cats, self.topic_cats = {}, {}
        for town in TOWNS[:5]:
            self._town(town)
        sport = self.topic_cats["dorsten", "Sport"]
        fussball = self._category("Fußball", "dorsten-sport-fussball", sport["slug"])
        self.deep = [fussball, self._category("Kreisliga A", "kreisliga-a", fussball["slug"])]
        self._tags(tag_names[:split1])
        self._town(TOWNS[5])
        self._tags(tag_names[split1:split2])
        corona = self._category("Corona", "corona", "")
        self.corona = [corona, self._category("Liveticker", "liveticker", "corona")]
        self._tags(tag_names[split2:])
        self.tag_by_name = {t["name"]: t for t in self.tags}
        self.menu_term = {"id": self._term_id(), "slug": "hauptmenue", "name": "Hauptmenü"}
        theme = "twentytwentyone"
        self.theme_term = {"id": self._term_id(), "slug": theme, "name": theme}
        # Tag popularity: a long tail.
        self.tag_cum = list(itertools.accumulate(1 / (i + 3) ** 0.9 for i in range(len(self.tags))))
        self.tag_order = list(range(len(self.tags)))
        rng.shuffle(self.tag_order)

    def _term_id(self) -> int:
        term_id = self.next_term
        self.next_term += self.rng.choice((1, 1, 1, 1, 2, 3))  # deleted terms leave gaps
        return term_id

    def _category(self, name: str, slug: str, parent: str) -> dict:
        cat = {"id": self._term_id(), "name": name, "slug": slug, "parent": parent}
        self.categories.append(cat)
        return cat

    def _town(self, town) -> None:
        name, slug, style = town[0], town[1], town[2]
        self.town_cats[slug] = self._category(name, slug, "")
        for topic in TOPICS:
            base = wp_slug(topic)
            topic_slug = {"prefix": f"{slug}-{base}", "suffix": f"{base}-{slug}", "plain": base}
            self.topic_cats[slug, topic] = self._category(topic, topic_slug[style], slug)

    def _tags(self, names) -> None:
        taken = {t["slug"] for t in self.tags}
        for name in names:
            slug = base = wp_slug(name)
            k = 2
            while slug in taken:  # wp_unique_term_slug() within the taxonomy
                slug, k = f"{base}-{k}", k + 1
            taken.add(slug)
            self.tags.append({"id": self._term_id(), "name": name, "slug": slug})
            self.tags[-1]["years"] = tag_years(name)

    def pick_tags(self, count: int, year: int) -> list[dict]:
        """Popular tags more often; none of another year ("Stadtlauf 2017", "Corona")."""
        picked = bisect.bisect_left
        total = self.tag_cum[-1]
        tags = (
            self.tags[self.tag_order[picked(self.tag_cum, self.rng.random() * total)]]
            for _ in range(count)
        )
        return [t for t in tags if t["years"][0] <= year <= t["years"][1]]


def topological(terms: list[dict]) -> list[dict]:
    """export.php's order: by name, children after their parents (array_shift loop)."""
    pending = deque(sorted(terms, key=lambda t: sort_key(t["name"])))
    done, out = set(), []
    while pending:
        term = pending.popleft()
        taxonomy = term.get("taxonomy", "category")
        if not term.get("parent") or (taxonomy, term["parent"]) in done:
            done.add((taxonomy, term["slug"]))
            out.append(term)
        else:
            pending.append(term)
    return out


def channel_head(site: Site) -> str:
    created = EXPORTED_UTC.strftime("%Y-%m-%d %H:%M")
    lines = [
        '<?xml version="1.0" encoding="UTF-8" ?>',
        "<!-- This is a WordPress eXtended RSS file generated by WordPress as an export of your"
        " site. -->",
        "<!-- It contains information about your site's posts, pages, comments, categories, and"
        " other content. -->",
        "<!-- You may use this file to transfer that content from one site to another. -->",
        "<!-- This file is not intended to serve as a complete backup of your site. -->",
        "",
        f'\t<!-- generator="WordPress/{WP_VERSION}" created="{created}" -->',
        '<rss version="2.0"',
        '\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"',
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"',
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"',
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"',
        '\txmlns:wp="http://wordpress.org/export/1.2/"',
        ">",
        "",
        "<channel>",
        "\t<title>Lippeland Lokal</title>",
        f"\t<link>{SITE}</link>",
        "\t<description>Nachrichten aus Dorsten, Haltern am See, Marl, Gladbeck, Schermbeck und"
        " Dülmen</description>",
        f"\t<pubDate>{rfc2822(EXPORTED_UTC)}</pubDate>",
        "\t<language>de-DE</language>",
        "\t<wp:wxr_version>1.2</wp:wxr_version>",
        f"\t<wp:base_site_url>{SITE}</wp:base_site_url>",
        f"\t<wp:base_blog_url>{SITE}</wp:base_blog_url>",
        "",
    ]
    for author_id, (login, display, first, last, *_) in enumerate(AUTHORS, 1):
        lines.append(
            f"\t<wp:author><wp:author_id>{author_id}</wp:author_id>"
            f"<wp:author_login>{cdata(login)}</wp:author_login>"
            f"<wp:author_email>{cdata(login.replace('.', '-') + '@lippeland-lokal.example')}"
            f"</wp:author_email><wp:author_display_name>{cdata(display)}"
            f"</wp:author_display_name><wp:author_first_name>{cdata(first)}"
            f"</wp:author_first_name><wp:author_last_name>{cdata(last)}</wp:author_last_name>"
            "</wp:author>"
        )
    lines.append("")
    for cat in topological(site.categories):
        lines += [
            "\t<wp:category>",
            f"\t\t<wp:term_id>{cat['id']}</wp:term_id>",
            f"\t\t<wp:category_nicename>{cdata(cat['slug'])}</wp:category_nicename>",
            f"\t\t<wp:category_parent>{cdata(cat['parent'])}</wp:category_parent>",
            f"\t\t<wp:cat_name>{cdata(cat['name'])}</wp:cat_name>",
            "\t</wp:category>",
        ]
    for tag in sorted(site.tags, key=lambda t: sort_key(t["name"])):
        lines += [
            "\t<wp:tag>",
            f"\t\t<wp:term_id>{tag['id']}</wp:term_id>",
            f"\t\t<wp:tag_slug>{cdata(tag['slug'])}</wp:tag_slug>",
            f"\t\t<wp:tag_name>{cdata(tag['name'])}</wp:tag_name>",
            "\t</wp:tag>",
        ]
    terms = (
        [{**c, "taxonomy": "category"} for c in site.categories]
        + [{**t, "taxonomy": "post_tag", "parent": ""} for t in site.tags]
        + [{**site.menu_term, "taxonomy": "nav_menu", "parent": ""}]
        + [{**site.theme_term, "taxonomy": "wp_theme", "parent": ""}]
    )
    for term in topological(terms):
        lines += [
            "\t<wp:term>",
            f"\t\t<wp:term_id>{term['id']}</wp:term_id>",
            f"\t\t<wp:term_taxonomy>{cdata(term['taxonomy'])}</wp:term_taxonomy>",
            f"\t\t<wp:term_slug>{cdata(term['slug'])}</wp:term_slug>",
            f"\t\t<wp:term_parent>{cdata(term['parent'])}</wp:term_parent>",
            f"\t\t<wp:term_name>{cdata(term['name'])}</wp:term_name>",
            "\t</wp:term>",
        ]
    lines += ["", f"\t<generator>https://wordpress.org/?v={WP_VERSION}</generator>", "", ""]
    return "\n".join(lines)


def item_xml(p: dict) -> str:
    """One <item> as export.php writes it."""
    out = [
        "\t<item>",
        f"\t\t<title>{cdata(p['title'])}</title>",
        f"\t\t<link>{escape(p['link'])}</link>",
        f"\t\t<pubDate>{p['pubdate']}</pubDate>",
        f"\t\t<dc:creator>{cdata(p['creator'])}</dc:creator>",
        f'\t\t<guid isPermaLink="false">{escape(p["guid"])}</guid>',
        "\t\t<description></description>",
        f"\t\t<content:encoded>{cdata(p['content'])}</content:encoded>",
        f"\t\t<excerpt:encoded>{cdata(p.get('excerpt', ''))}</excerpt:encoded>",
        f"\t\t<wp:post_id>{p['id']}</wp:post_id>",
        f"\t\t<wp:post_date>{cdata(p['date'])}</wp:post_date>",
        f"\t\t<wp:post_date_gmt>{cdata(p['date_gmt'])}</wp:post_date_gmt>",
        f"\t\t<wp:post_modified>{cdata(p['modified'])}</wp:post_modified>",
        f"\t\t<wp:post_modified_gmt>{cdata(p['modified_gmt'])}</wp:post_modified_gmt>",
        f"\t\t<wp:comment_status>{cdata(p.get('comment_status', 'open'))}</wp:comment_status>",
        f"\t\t<wp:ping_status>{cdata(p.get('ping_status', 'closed'))}</wp:ping_status>",
        f"\t\t<wp:post_name>{cdata(p['name'])}</wp:post_name>",
        f"\t\t<wp:status>{cdata(p['status'])}</wp:status>",
        f"\t\t<wp:post_parent>{p.get('parent', 0)}</wp:post_parent>",
        f"\t\t<wp:menu_order>{p.get('menu_order', 0)}</wp:menu_order>",
        f"\t\t<wp:post_type>{cdata(p['type'])}</wp:post_type>",
        f"\t\t<wp:post_password>{cdata(p.get('password', ''))}</wp:post_password>",
        f"\t\t<wp:is_sticky>{p.get('sticky', 0)}</wp:is_sticky>",
    ]
    for domain, slug, name in p.get("terms", ()):
        nicename = escape(slug, {'"': "&quot;"})
        out.append(
            f'\t\t<category domain="{domain}" nicename="{nicename}">{cdata(name)}</category>'
        )
    for key, value in p.get("meta", ()):
        out += [
            "\t\t<wp:postmeta>",
            f"\t\t<wp:meta_key>{cdata(key)}</wp:meta_key>",
            f"\t\t<wp:meta_value>{cdata(value)}</wp:meta_value>",
            "\t\t</wp:postmeta>",
        ]
    for c in p.get("comments", ()):
        out += [
            "\t\t<wp:comment>",
            f"\t\t\t<wp:comment_id>{c['id']}</wp:comment_id>",
            f"\t\t\t<wp:comment_author>{cdata(c['author'])}</wp:comment_author>",
            f"\t\t\t<wp:comment_author_email>{cdata(c['email'])}</wp:comment_author_email>",
            f"\t\t\t<wp:comment_author_url>{escape(c['url'])}</wp:comment_author_url>",
            f"\t\t\t<wp:comment_author_IP>{cdata(c['ip'])}</wp:comment_author_IP>",
            f"\t\t\t<wp:comment_date>{cdata(c['date'])}</wp:comment_date>",
            f"\t\t\t<wp:comment_date_gmt>{cdata(c['date_gmt'])}</wp:comment_date_gmt>",
            f"\t\t\t<wp:comment_content>{cdata(c['content'])}</wp:comment_content>",
            f"\t\t\t<wp:comment_approved>{cdata(c['approved'])}</wp:comment_approved>",
            f"\t\t\t<wp:comment_type>{cdata(c['type'])}</wp:comment_type>",
            f"\t\t\t<wp:comment_parent>{c['parent']}</wp:comment_parent>",
            f"\t\t\t<wp:comment_user_id>{c['user_id']}</wp:comment_user_id>",
            "\t\t</wp:comment>",
        ]
    out.append("\t</item>\n")
    return "\n".join(out)


class Archive:
    """The posts, one at a time, in post ID order."""

    def __init__(self, posts: int, seed: int):
        self.rng = rng = random.Random(seed)
        self.n = posts
        self.site = Site(rng)
        self.slugs = SlugSet(posts + 100)
        self.recurring_next = {}  # recurring headline's slug: next "-k" to try
        self.recurring_last = {}  # recurring headline's slug: the latest post's slug
        self.next_id = 2
        self.next_comment = 1
        self.recent = deque(maxlen=200)  # (date, id, link) of the latest published posts
        self.older = []  # a reservoir sample of earlier ones, at most 300
        self.seen = 0
        self.block_id = None
        self.sticky = {posts // 3, posts - 40, posts - 7}
        self.password_offset = rng.randrange(500)
        self.future_from = posts - max(2, posts // 4000)
        years = range(FIRST_DAY.year, LAST_DAY.year + 2)
        self.authors_by_year = {
            y: [(i + 1, a) for i, a in enumerate(AUTHORS) if a[5] <= y <= a[6]] for y in years
        }

    # --- helpers ---

    def _id(self) -> int:
        post_id = self.next_id
        self.next_id += self.rng.choice((1, 1, 2, 2, 3, 4, 6, 9))  # revisions, attachments
        return post_id

    def _author(self, when: datetime) -> tuple[int, str]:
        choices = self.authors_by_year[min(when.year, LAST_DAY.year)]
        author_id, author = self.rng.choices(choices, weights=[a[4] for _, a in choices])[0]
        return author_id, author[0]

    def _unique(self, base: str, recurring: bool) -> str:
        if not base:
            return base
        if recurring and base in self.recurring_last and self.rng.random() < 0.02:
            return self.recurring_last[base]  # a plugin bypassed wp_unique_post_slug()
        slug, k = base, self.recurring_next.get(base, 2)
        if slug in self.slugs:
            while f"{base}-{k}" in self.slugs:
                k += 1
            slug = f"{base}-{k}"
        self.slugs.add(slug)
        if recurring:
            self.recurring_next[base] = k
            self.recurring_last[base] = slug
        return slug

    def _fills(self, town: tuple, when: datetime) -> dict:
        r = self.rng
        person = f"{r.choice(FIRST_NAMES)} {r.choice(LAST_NAMES)}"
        money = (
            f"{r.randint(2, 95)}.000 Euro",
            f"{r.randint(1, 9)},{r.randint(1, 9)} Millionen Euro",
            f"{r.randint(150, 9500)} Euro",
        )[r.randrange(3)]
        clubs = r.sample(CLUBS, 2)
        return {
            "town": town[0],
            "place": r.choice(town[3]),
            "street": r.choice(STREETS),
            "person": person,
            "person2": f"{r.choice(FIRST_NAMES)} {r.choice(LAST_NAMES)}",
            "mayor": town[4],
            "club": clubs[0],
            "club2": clubs[1],
            "shop": r.choice(SHOPS),
            "quote": r.choice(QUOTES),
            "money": money,
            "small": r.randint(2, 9),
            "small2": r.randint(2, 9),
            "number": r.randint(12, 2400),
            "phone": r.randint(1000, 9999),
            "age": r.randint(17, 91),
            "years": r.randint(5, 120),
            "euro": r.randint(8, 29),
            "euro2": r.randint(30, 45),
            "minute": r.randint(1, 90),
            "score": f"{r.randint(0, 5)}:{r.randint(0, 5)}",
            "weekday": r.choice(WEEKDAYS),
            "month": r.choice(MONTHS),
            "day": r.randint(1, 28),
            "clock": f"{r.randint(0, 23)}.{r.choice(('00', '15', '30', '45', '10'))}",
            "year": when.year,
            "nextyear": when.year + 1,
            "speed": r.randint(62, 141),
            "lastname": r.choice(LAST_NAMES),
            **{key: r.choice(values) for key, values in SLOTS.items()},
        }

    def _title(self, topic: str, fills: dict, when: datetime) -> tuple[str, bool]:
        r = self.rng
        recurring = RECURRING_BY_MONTH[when.month]
        expected = sum(per_month for _, per_month in recurring)  # of ~N/120 posts a month
        if r.random() < min(0.5, expected * 120 / self.n):
            return r.choices(recurring, weights=[w for _, w in recurring])[0][0], True
        title = r.choice(TITLES[topic])
        if r.random() < 0.3:
            title += r.choice(TAILS)
        title = title.format_map(fills)
        roll = r.random()
        if roll < 0.012:
            title += " " + r.choice(EMOJI)
        elif roll < 0.02:
            # Titles are HTML: most have a bare "&", some the entity.
            title = (
                title.replace(" und ", " &amp; ", 1) if " und " in title else f"{title} &amp; mehr"
            )
        elif roll < 0.025:
            title = "Kommentar: " + title
        elif roll < 0.03:
            title = title.replace("–", "-")
        return title, False

    def _sentences(self, topic: str, fills: dict, count: int) -> str:
        r = self.rng
        pool = BODY[topic]
        return " ".join(
            (r.choice(pool) if r.random() < 0.5 else r.choice(GENERIC)).format_map(fills)
            for _ in range(count)
        )

    def _link_to_earlier(self) -> str | None:
        r = self.rng
        pool = self.older if self.older and r.random() < 0.5 else self.recent
        if not pool:
            return None
        when, post_id, link = r.choice(pool)
        if r.random() < 0.1:
            return f"{SITE}/?p={post_id}"
        if when < HTTPS_SINCE and r.random() < 0.6:
            return link.replace(SITE, OLD_SITE, 1)
        return link

    def _remember(self, when: datetime, post_id: int, link: str) -> None:
        self.seen += 1
        if len(self.recent) == self.recent.maxlen:
            old = self.recent[0]
            if len(self.older) < 300:
                self.older.append(old)
            else:
                j = self.rng.randrange(self.seen)
                if j < 300:
                    self.older[j] = old
        self.recent.append((when, post_id, link))

    # --- content ---

    def _paragraphs(self, topic: str, fills: dict) -> list[str]:
        r = self.rng
        roll = r.random()
        if roll < 0.15:
            count = r.randint(1, 3)  # a police notice, a date
        elif roll < 0.75:
            count = r.randint(5, 10)
        else:
            count = r.randint(10, 20)
        if r.random() < 0.001:
            count = 70  # a live ticker
        paras = [f"<strong>{fills['town']}.</strong> " + self._sentences(topic, fills, 2)]
        paras += [self._sentences(topic, fills, r.randint(2, 5)) for _ in range(count - 1)]
        if r.random() < 0.08:
            link = self._link_to_earlier()
            if link:
                i = r.randrange(len(paras))
                paras[i] += (
                    f' Die Stadt hatte die Pläne im Frühjahr vorgestellt (<a href="{link}">'
                    f"{r.choice(ANCHORS)}</a>)."
                )
        return paras

    def _classic(self, topic: str, fills: dict) -> tuple[str, list]:
        r = self.rng
        paras = self._paragraphs(topic, fills)
        parts, meta = [], []
        for i, para in enumerate(paras):
            roll = r.random()
            if roll < 0.02:
                para = f'<span style="font-weight: 400;">{para}</span>'
            elif roll < 0.04:
                para = f'<p style="text-align: justify;">{para}</p>'
            elif roll < 0.07:
                para = para.replace(". ", ".\n", 1)  # a line break for wpautop's <br>
            parts.append(para)
            if i == 0 and r.random() < 0.1:
                parts.append("<!--more-->")
            if len(paras) > 8 and r.random() < 0.15:
                parts.append(f"<h3>{r.choice(HEADINGS)}</h3>")
            if r.random() < 0.01:
                parts.append("&nbsp;")
        extras = r.random()
        if extras < 0.03:
            video = r.choice(YOUTUBE_IDS)
            url = f"https://www.youtube.com/watch?v={video}"
            if r.random() < 0.3:
                url = f"https://youtu.be/{video}"
            parts.insert(r.randint(1, len(parts)), url)
            meta += self._oembed(url)
        elif extras < 0.035:
            parts.append(CONTACT_FORM)
        elif extras < 0.045:
            items = "\n".join(f"<li>{WEEKDAYS[d]}: {8 + d}–{16 + d % 3} Uhr</li>" for d in range(5))
            parts.insert(1, SU_BOX.format(f"Öffnungszeiten:\n<ul>\n{items}\n</ul>"))
        elif extras < 0.05:
            parts.append(SU_BUTTON)
        elif extras < 0.053:
            parts.append(SCRIPT.format_map(fills))
        elif extras < 0.06:
            # Lines without a blank between them: wpautop makes them <br>s.
            parts.append(
                "\n".join(f"{day}: {self._sentences(topic, fills, 1)}" for day in WEEKDAYS[:3])
            )
        return "\n\n".join(parts), meta

    def _gutenberg(self, topic: str, fills: dict) -> tuple[str, list]:
        r = self.rng
        paras = self._paragraphs(topic, fills)
        blocks, meta = [], []
        for i, para in enumerate(paras):
            blocks.append(f"<!-- wp:paragraph -->\n<p>{para}</p>\n<!-- /wp:paragraph -->")
            if len(paras) > 6 and i in (2, 6, 11):
                level = r.choice((2, 2, 3))
                attrs = "" if level == 2 else ' {"level":3}'
                blocks.append(
                    f"<!-- wp:heading{attrs} -->\n<h{level}>{r.choice(HEADINGS)}</h{level}>\n"
                    "<!-- /wp:heading -->"
                )
        roll = r.random()
        if roll < 0.15:
            quote = f"„{r.choice(QUOTES)}.“"
            blocks.insert(
                r.randint(1, len(blocks)),
                '<!-- wp:quote -->\n<blockquote class="wp-block-quote"><!-- wp:paragraph -->\n'
                f"<p>{quote}</p>\n<!-- /wp:paragraph --><cite>{fills['person']}</cite>"
                "</blockquote>\n<!-- /wp:quote -->",
            )
        if r.random() < 0.08:
            items = "".join(
                f"<li>{self._sentences(topic, fills, 1)}</li>" for _ in range(r.randint(2, 5))
            )
            html = f"<!-- wp:list -->\n<ul>{items}</ul>\n<!-- /wp:list -->"
            blocks.insert(r.randint(1, len(blocks)), html)
        extras = r.random()
        if extras < 0.03:
            url = f"https://www.youtube.com/watch?v={r.choice(YOUTUBE_IDS)}"
            blocks.insert(
                r.randint(1, len(blocks)),
                f'<!-- wp:embed {{"url":"{url}","type":"video","providerNameSlug":"youtube",'
                '"responsive":true,"className":"wp-embed-aspect-16-9 wp-has-aspect-ratio"} -->\n'
                '<figure class="wp-block-embed is-type-video is-provider-youtube '
                'wp-block-embed-youtube wp-embed-aspect-16-9 wp-has-aspect-ratio">'
                f'<div class="wp-block-embed__wrapper">\n{url}\n</div></figure>\n'
                "<!-- /wp:embed -->",
            )
            meta += self._oembed(url)
        elif extras < 0.04:
            url = f"https://youtu.be/{r.choice(YOUTUBE_IDS)}"  # a classic block: a bare URL
            blocks.insert(r.randint(1, len(blocks)), url)
            meta += self._oembed(url)
        elif extras < 0.045:
            blocks.append(f"<!-- wp:shortcode -->\n{CONTACT_FORM}\n<!-- /wp:shortcode -->")
        elif extras < 0.052:
            box = SU_BOX.format("Alle Termine finden Sie in unserem Veranstaltungskalender.")
            blocks.append(f"<!-- wp:shortcode -->\n{box}\n<!-- /wp:shortcode -->")
        elif extras < 0.056:
            blocks.append(f"<!-- wp:html -->\n{SCRIPT.format_map(fills)}\n<!-- /wp:html -->")
        elif extras < 0.07 and self.block_id:
            blocks.append(f'<!-- wp:block {{"ref":{self.block_id}}} /-->')
        elif extras < 0.09:
            blocks.insert(
                r.randint(1, len(blocks)),
                '<!-- wp:separator -->\n<hr class="wp-block-separator has-alpha-channel-opacity"/>'
                "\n<!-- /wp:separator -->",
            )
        elif extras < 0.1:
            blocks.insert(1, "<!-- wp:more -->\n<!--more-->\n<!-- /wp:more -->")
        return "\n\n".join(blocks) + "\n\n", meta

    def _oembed(self, url: str) -> list:
        r = self.rng
        digest = hashlib.md5(url.encode()).hexdigest()
        video = url.rsplit("=", 1)[-1].rsplit("/", 1)[-1]
        html = (
            '<iframe title="Lippeland Lokal" width="640" height="360" '
            f'src="https://www.youtube.com/embed/{video}?feature=oembed" frameborder="0" '
            'allow="accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; '
            'picture-in-picture; web-share" allowfullscreen></iframe>'
        )
        if r.random() < 0.1:
            html = "{{unknown}}"
        fetched = r.randint(1_500_000_000, 1_700_000_000)
        return [(f"_oembed_{digest}", html), (f"_oembed_time_{digest}", str(fetched))]

    def _comments(self, post_utc: datetime, link: str) -> list[dict]:
        r = self.rng
        comments = []
        for _ in range(r.randint(1, 6)):
            utc = post_utc + timedelta(minutes=r.randint(5, 60 * 24 * 20))
            pingback = r.random() < 0.1
            own = self._link_to_earlier() if pingback else None
            name = f"{r.choice(FIRST_NAMES)} {r.choice(LAST_NAMES)[0]}."
            fills = self._fills(TOWNS[0], utc) if not own else {}
            comment = {
                "id": self.next_comment,
                "author": "Lippeland Lokal" if own else name,
                "email": "" if own else f"leser{r.randint(1, 9999)}@example.org",
                "url": own or "",
                "ip": f"192.0.2.{r.randint(1, 254)}" if not own else "203.0.113.7",
                "date": mysql(utc_to_local(utc)),
                "date_gmt": mysql(utc),
                "content": f"[…] {link} […]" if own else r.choice(GENERIC).format_map(fills),
                "approved": r.choices(("1", "0", "spam"), weights=(85, 5, 10))[0],
                "type": "pingback" if own else "comment",
                "parent": comments[-1]["id"] if comments and r.random() < 0.2 else 0,
                "user_id": 0,
            }
            comments.append(comment)
            self.next_comment += 1
        return comments

    # --- items ---

    def _other_item(self, post_id: int, kind: str, local: datetime, **fields) -> str:
        """An item that is not a post (page, form, menu item, block), published."""
        utc = local_to_utc(local)
        item = {
            "title": "",
            "link": f"{SITE}/?p={post_id}",
            "pubdate": rfc2822(utc),
            "creator": "redaktion",
            "guid": f"{OLD_SITE}/?p={post_id}",
            "content": "",
            "id": post_id,
            "date": mysql(local),
            "date_gmt": mysql(utc),
            "modified": mysql(local),
            "modified_gmt": mysql(utc),
            "comment_status": "closed",
            "name": str(post_id),
            "status": "publish",
            "type": kind,
        }
        return item_xml(item | fields)

    def fixed_items(self) -> list[str]:
        """Pages, the contact form (ID 5, as the posts' shortcodes say) and the main menu."""
        when = datetime(2014, 11, 3, 10, 12)
        items = []
        privacy = (
            "<!-- wp:heading -->\n<h2>Wer wir sind</h2>\n<!-- /wp:heading -->\n\n"
            f"<!-- wp:paragraph -->\n<p>Die Adresse unserer Website ist: {SITE}.</p>\n"
            "<!-- /wp:paragraph -->"
        )
        form = (
            "<label> Ihr Name (Pflichtfeld)\n    [text* your-name] </label>\n\n"
            '<label> Ihre Nachricht\n    [textarea your-message] </label>\n\n[submit "Senden"]'
        )
        mail = 'a:2:{s:7:"subject";s:4:"Post";s:9:"recipient";s:7:"[admin]";}'
        pages = [  # id, type, title, slug, content, extra fields
            (2, "page", "Impressum", "impressum",
             "<strong>Lippeland Lokal</strong>\nRedaktion Dorsten\nLippestraße 12\n"
             "46282 Dorsten\n\nVerantwortlich: Jana Brüggemann", {}),
            (3, "page", "Datenschutzerklärung", "datenschutzerklaerung", privacy,
             {"meta": [("_wp_page_template", "default")]}),
            (5, "wpcf7_contact_form", "Kontaktformular 1", "kontaktformular-1", form,
             {"meta": [("_form", form), ("_mail", mail), ("_locale", "de_DE")]}),
            (6, "page", "Kontakt", "kontakt", f"Schreiben Sie uns!\n\n{CONTACT_FORM}", {}),
            (8, "page", "Über uns", "ueber-uns",
             "Wir sind die Lokalredaktion für das Lippeland.", {}),
            (9, "page", "Team", "team", "Unser Team stellt sich vor.",
             {"parent": 8, "menu_order": 1}),
            (12, "page", "Mediadaten", "mediadaten", "Preisliste 2015",
             {"status": "private", "link": f"{SITE}/?page_id=12"}),
        ]  # fmt: skip
        for post_id, kind, title, slug, content, extra in pages:
            when += timedelta(hours=3, minutes=post_id)
            link = f"{SITE}/{slug}/" if kind == "page" else f"{SITE}/?p={post_id}"
            fields = {"title": title, "link": link, "content": content, "name": slug}
            fields["guid"] = f"{OLD_SITE}/?page_id={post_id}"
            extra["meta"] = [("_edit_last", "1"), *extra.get("meta", ())]
            items.append(self._other_item(post_id, kind, when, **fields | extra))
        self.next_id = 14
        menu = [("taxonomy", "category", self.site.town_cats[t[1]]["id"]) for t in TOWNS[:5]]
        menu += [("post_type", "page", 8), ("custom", "custom", 0)]
        term = self.site.menu_term
        for order, (kind, obj, obj_id) in enumerate(menu, 1):
            post_id = self._id()
            url = f"{SITE}/abo/" if kind == "custom" else ""
            meta = [
                ("_menu_item_type", kind),
                ("_menu_item_menu_item_parent", "0"),
                ("_menu_item_object_id", str(obj_id or post_id)),
                ("_menu_item_object", obj),
                ("_menu_item_target", ""),
                ("_menu_item_classes", 'a:1:{i:0;s:0:"";}'),
                ("_menu_item_xfn", ""),
                ("_menu_item_url", url),
            ]
            fields = {
                "title": "Abo" if url else "",  # empty: the menu shows the term's name
                "menu_order": order,
                "terms": [("nav_menu", term["slug"], term["name"])],
                "meta": meta,
            }
            items.append(self._other_item(post_id, "nav_menu_item", when, **fields))
        return items

    def reusable_block(self, when: datetime) -> str:
        self.block_id = post_id = self._id()
        content = (
            '<!-- wp:paragraph {"className":"newsletter"} -->\n<p class="newsletter">Sie wollen '
            'nichts verpassen? <a href="/newsletter/">Abonnieren Sie unseren Newsletter</a>.</p>'
            "\n<!-- /wp:paragraph -->"
        )
        fields = {"title": "Newsletter-Hinweis", "creator": "moelbracht", "content": content}
        fields |= {"guid": f"{SITE}/?p={post_id}", "name": "newsletter-hinweis"}
        return self._other_item(post_id, "wp_block", when, **fields)

    def post(self, k: int) -> tuple[str, str]:
        """The k-th post (0-based) as XML, and the XML of items that come before it."""
        r = self.rng
        before = ""
        n = self.n
        day_span = (LAST_DAY - FIRST_DAY).days
        created_day = FIRST_DAY + timedelta(days=int(((k + r.random()) / n) ** 0.85 * day_span))
        hour = r.choices(range(5, 24), weights=HOUR_WEIGHTS)[0]
        minute = r.choice((0, 0, 0, 30, 15, 45)) if r.random() < 0.5 else r.randrange(60)
        created = datetime.combine(created_day, datetime.min.time()).replace(
            hour=hour, minute=minute, second=0 if r.random() < 0.6 else r.randrange(60)
        )
        if self.block_id is None and created >= BLOCK_EDITOR_SINCE:
            before = self.reusable_block(created - timedelta(hours=1))
        when = created
        if r.random() < 0.01:  # backdated: old material entered later
            when = created - timedelta(days=r.randrange(1, (created.date() - FIRST_DAY).days + 2))
            when = when.replace(hour=hour)

        # status
        roll = r.random()
        password = ""
        if k >= self.future_from:
            status = "future"
            when = utc_to_local(EXPORTED_UTC) + timedelta(days=r.randint(1, 40))
            when = when.replace(hour=hour, minute=minute, second=0)
        elif k % 500 == self.password_offset:
            status, password = "publish", r.choice(("presse2019", "Lippe!", "vorab"))
        elif roll < 0.002:
            status = "trash"
        elif roll < 0.017:
            status = "draft"
        elif roll < 0.021:
            status = "pending"
        elif roll < 0.025:
            status = "private"
        else:
            status = "publish"
        post_id = self._id()
        utc = local_to_utc(when)

        # categories
        if created >= DUELMEN_SINCE:
            town = r.choices(TOWNS, weights=TOWN_WEIGHTS)[0]
        else:
            town = r.choices(TOWNS[:5], weights=TOWN_WEIGHTS[:5])[0]
        topic = r.choices(TOPICS, weights=TOPIC_WEIGHTS)[0]
        site = self.site
        cats = []
        roll = r.random()
        if roll < 0.02:
            cats.append(site.categories[0])  # Allgemein
        else:
            cats.append(site.topic_cats[town[1], topic])
            if town[1] == "dorsten" and topic == "Sport" and r.random() < 0.4:
                cats.append(r.choice(site.deep))
            if roll < 0.1:
                cats.append(site.town_cats[town[1]])
            elif roll < 0.13:
                other = r.choice(TOWNS[:5])
                cats.append(site.topic_cats[other[1], topic])
        if CORONA[0] <= created <= CORONA[1] and r.random() < 0.15:
            cats.append(site.corona[0] if r.random() < 0.8 else site.corona[1])
        roll = r.random()
        if roll < 0.25:
            tag_count = 0
        elif roll < 0.85:
            tag_count = r.randint(1, 4)
        elif roll < 0.97:
            tag_count = r.randint(5, 8)
        else:
            tag_count = r.randint(12, 20)  # the editor who tags everything
        tags = site.pick_tags(tag_count, when.year)
        event = {"Kultur": "Altstadtfest", "Sport": "Stadtlauf"}.get(topic, "Weihnachtsmarkt")
        if f"{event} {when.year}" in site.tag_by_name and r.random() < 0.1:
            tags.append(site.tag_by_name[f"{event} {when.year}"])
        if topic == "Sport" and r.random() < 0.3:
            tags.append(site.tag_by_name["Sport"])
        if r.random() < 0.15:
            tags.append(site.tag_by_name[town[0]])
        terms = {("category", c["slug"]): c["name"] for c in cats}
        terms.update({("post_tag", t["slug"]): t["name"] for t in tags})
        terms = sorted(
            ((d, s, name) for (d, s), name in terms.items()), key=lambda t: sort_key(t[2])
        )

        # title, slug, link
        fills = self._fills(town, when)
        if r.random() < 0.0005:
            title, recurring = "", False
        else:
            title, recurring = self._title(topic, fills, when)
        draftish = status in ("draft", "pending")
        if draftish and r.random() < 0.8:
            slug = ""  # never published: WordPress has not made one yet
        elif not title:
            slug = str(post_id)
        else:
            slug = self._unique(wp_slug(title), recurring)
            if status == "trash":
                slug += "__trashed"
        local = mysql(when)
        if status in ("draft", "pending", "future"):
            link = f"{SITE}/?p={post_id}"
        else:
            link = f"{SITE}/{when.year}/{when.month:02d}/{slug}/"
        guid_site = OLD_SITE if created < HTTPS_SINCE else SITE

        # content
        if created >= BLOCK_EDITOR_SINCE and r.random() < 0.75:
            content, meta = self._gutenberg(topic, fills)
            editor = "block-editor"
        else:
            content, meta = self._classic(topic, fills)
            editor = "classic-editor"
        if draftish and r.random() < 0.3:
            content, meta = "", []
        excerpt = ""
        roll = r.random()
        if roll < 0.1:
            excerpt = self._sentences(topic, fills, r.randint(1, 2))
        elif roll < 0.11:
            excerpt = f"<p>{self._sentences(topic, fills, 1)}</p>"

        # dates
        modified_utc = utc
        if r.random() < 0.3:
            modified_utc = utc + timedelta(minutes=int(r.expovariate(1 / 600)) + 1)
            if r.random() < 0.03:
                modified_utc = utc + timedelta(days=r.randint(30, 2000))
            modified_utc = min(modified_utc, EXPORTED_UTC) if status != "future" else utc

        # postmeta
        author_id, login = self._author(created)
        if created.year < 2016 and r.random() < 0.005:
            author_id, login = 0, ""  # imported from the old CMS, no author
        meta_all = []
        if r.random() < 0.8:
            meta_all.append(("_edit_last", str(author_id or 1)))
        if created >= datetime(2016, 5, 1) and r.random() < 0.3:
            meta_all.append(("_yoast_wpseo_metadesc", self._sentences(topic, fills, 1)))
            if r.random() < 0.5:
                meta_all.append(("_yoast_wpseo_focuskw", fills["place"]))
            if len(cats) > 1:
                meta_all.append(("_yoast_wpseo_primary_category", str(cats[0]["id"])))
        if created >= BLOCK_EDITOR_SINCE:
            meta_all.append(("classic-editor-remember", editor))
        if r.random() < 0.02 and status == "publish":
            old_title, _ = self._title(topic, self._fills(town, when), when)
            meta_all.append(("_wp_old_slug", wp_slug(old_title)))
            if r.random() < 0.2:
                meta_all.append(("_wp_old_slug", wp_slug(old_title) + "-2"))
            if r.random() < 0.2:
                meta_all.append(("_wp_old_date", (when.date() - timedelta(days=1)).isoformat()))
        if status == "trash":
            meta_all += [
                ("_wp_trash_meta_status", "publish"),
                (
                    "_wp_trash_meta_time",
                    str(int(EXPORTED_UTC.timestamp()) - r.randint(1, 9_000_000)),
                ),
                ("_wp_desired_post_slug", slug.removesuffix("__trashed")),
            ]
        if k > n - 50 and r.random() < 0.5:
            meta_all.append(("_encloseme", "1"))
        meta_all += meta

        published = status == "publish" and not password
        comments = []
        if published and r.random() < 0.04:
            comments = self._comments(utc, link)
        if status in ("publish", "private") and not password:
            self._remember(when, post_id, link)

        item = {
            "title": title,
            "link": link,
            "pubdate": "" if draftish else rfc2822(utc),
            "creator": login,
            "guid": f"{guid_site}/?p={post_id}",
            "content": content,
            "excerpt": excerpt,
            "id": post_id,
            "date": local,
            "date_gmt": ZERO_DATE if draftish else mysql(utc),
            "modified": mysql(utc_to_local(modified_utc)),
            "modified_gmt": mysql(modified_utc),
            "comment_status": "open" if created.year < 2021 else "closed",
            "name": slug,
            "status": status,
            "type": "post",
            "password": password,
            "sticky": 1 if k in self.sticky and status == "publish" else 0,
            "terms": terms,
            "meta": meta_all,
            "comments": comments,
        }
        return before, item_xml(item)


def open_output(path: str):
    raw = open(path, "wb")
    if path.removesuffix(".part").endswith(".gz"):
        binary = gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=6, mtime=0)
    else:
        binary = io.BufferedWriter(raw, buffer_size=1 << 20)
    return raw, io.TextIOWrapper(binary, encoding="utf-8", newline="\n")


def generate(path: str, posts: int, seed: int) -> None:
    archive = Archive(posts, seed)
    part = path + ".part"
    raw, out = open_output(part)
    try:
        out.write(channel_head(archive.site))
        for xml in archive.fixed_items():
            out.write(xml)
        for k in range(posts):
            before, xml = archive.post(k)
            if before:
                out.write(before)
            out.write(xml)
        out.write("\t</channel>\n</rss>\n")
        out.close()
        raw.close()
    except BaseException:
        out.close()
        raw.close()
        os.unlink(part)
        raise
    os.replace(part, path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="the export to write (.xml, or .xml.gz for gzip)")
    parser.add_argument("--posts", type=int, default=20000, help="items of post_type post")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.posts < 1:
        parser.error("--posts must be at least 1")
    started = time.perf_counter()
    generate(args.out, args.posts, args.seed)
    size = os.path.getsize(args.out) / 1e6
    print(
        f"{args.out}: {args.posts} posts, {size:.1f} MB in {time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
