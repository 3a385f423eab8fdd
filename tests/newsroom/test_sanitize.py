import pytest

from newsroom.sanitize import sanitize_html
from tests.factories import ArticleFactory

# Classic XSS vectors: none of them may leave anything executable behind.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<img src="/media/a.jpg" onerror="alert(1)">',
    '<a href="javascript:alert(1)">klick</a>',
    '<a href="JaVaScRiPt:alert(1)">klick</a>',
    '<a href="&#106;avascript:alert(1)">klick</a>',
    '<a href="java\tscript:alert(1)">klick</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">klick</a>',
    '<a href="vbscript:msgbox(1)">klick</a>',
    "<svg onload=alert(1)><circle r=10></svg>",
    '<iframe src="https://evil.example/"></iframe>',
    "<body onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<p onclick=alert(1)>Absatz</p>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<input autofocus onfocus=alert(1)>",
    '<details open ontoggle="alert(1)">',
    "<style>@import 'https://evil.example/x.css';</style>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<<script>script>alert(1)<</script>/script>",
    '<a href="https://example.org" onmouseover="alert(1)">x</a>',
    '<img src="https://tracker.example/pixel.gif" alt="">',
    '<img src="//tracker.example/pixel.gif" alt="">',
    '<img src="/media/../../etc/passwd">',
    '<blockquote cite="javascript:alert(1)">Zitat</blockquote>',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
]

FORBIDDEN = ["<script", "onerror", "onload", "onclick", "onfocus", "ontoggle", "onmouseover",
             "javascript:", "vbscript:", "data:text", "<iframe", "<svg", "<style", "<object",
             "<embed", "<form", "<input", "<meta", "<base", "<link", "style=", "tracker.example",
             "evil.example"]  # fmt: skip


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_payload_is_neutralised(payload):
    cleaned = sanitize_html(payload).lower()
    for needle in FORBIDDEN:
        assert needle not in cleaned, (payload, cleaned)


def test_everything_the_editor_toolbar_makes_survives():
    html = (
        "<h2>Zwischentitel</h2><h3>Unter</h3><h4>Klein</h4>"
        "<p><strong>fett</strong> und <em>kursiv</em> mit "
        '<a href="https://example.org/seite">Link</a></p>'
        "<ul><li>eins</li></ul><ol><li>zwei</li></ol>"
        "<blockquote><p>„Ein Zitat.“</p></blockquote>"
        '<figure class="image"><img src="/media/editor/2026/11/abc.jpg" alt="Rathaus">'
        "<figcaption>Das Rathaus</figcaption></figure>"
        '<figure class="table"><table><thead><tr><th>A</th></tr></thead>'
        "<tbody><tr><td>1</td></tr></tbody></table></figure>"
    )
    cleaned = sanitize_html(html)
    for fragment in [
        "<h2>Zwischentitel</h2>", "<h3>Unter</h3>", "<h4>Klein</h4>", "<strong>fett</strong>",
        "<em>kursiv</em>", 'href="https://example.org/seite"', "<ul><li>eins</li></ul>",
        "<ol><li>zwei</li></ol>", "<blockquote><p>„Ein Zitat.“</p></blockquote>",
        '<figure class="image"><img src="/media/editor/2026/11/abc.jpg" alt="Rathaus"',
        "<figcaption>Das Rathaus</figcaption>", "<th>A</th>", "<td>1</td>",
    ]:  # fmt: skip
        assert fragment in cleaned, fragment


def test_images_in_the_text_load_lazily():
    cleaned = sanitize_html('<p>x</p><img src="/media/editor/a.jpg" alt="" loading="eager">')
    assert 'loading="lazy"' in cleaned and 'loading="eager"' not in cleaned


def test_basic_profile_drops_headings_images_and_tables():
    cleaned = sanitize_html(
        '<h2>Titel</h2><p>Text <a href="mailto:jobs@example.org">Mail</a></p>'
        '<img src="/media/x.jpg" alt=""><table><tr><td>x</td></tr></table>',
        "basic",
    )
    assert "<h2>" not in cleaned and "<img" not in cleaned and "<table" not in cleaned
    assert 'href="mailto:jobs@example.org"' in cleaned


@pytest.mark.django_db
def test_article_body_is_sanitized_whenever_it_is_saved():
    article = ArticleFactory(body='<p onclick="alert(1)">Hallo</p><script>alert(2)</script>')
    article.refresh_from_db()
    assert article.body == "<p>Hallo</p>"


# What each CKEditor toolbar item produces; the field's allowlist must keep all of it.
TOOLBAR_TAGS = {
    "bold": {"strong"}, "italic": {"em"}, "link": {"a"},
    "bulletedList": {"ul", "li"}, "numberedList": {"ol", "li"}, "blockQuote": {"blockquote"},
    "imageUpload": {"figure", "img", "figcaption"},
    "insertTable": {"figure", "table", "thead", "tbody", "tr", "th", "td"},
    "heading": set(), "undo": set(), "redo": set(), "|": set(),
}  # fmt: skip


def test_every_editor_offers_only_what_its_sanitizer_keeps():
    from django.apps import apps
    from django.conf import settings

    from newsroom.sanitize import PROFILES, RichTextField

    fields = [f for m in apps.get_models() for f in m._meta.fields if isinstance(f, RichTextField)]
    assert len(fields) >= 3  # article body, page body, job ad description
    for field in fields:
        config = settings.CKEDITOR_5_CONFIGS[field.config_name]
        allowed = PROFILES[field.sanitize_profile]["tags"]
        made = set().union(*(TOOLBAR_TAGS[item] for item in config["toolbar"]["items"]))
        made |= {o["view"] for o in config["heading"]["options"] if "view" in o}
        assert made <= allowed, (field, made - allowed)


def test_sanitizing_gives_the_same_text_every_time():
    html = '<figure class="image"><img src="/media/editor/a.jpg" alt="Markt"></figure>'
    assert len({sanitize_html(html) for _ in range(50)}) == 1


@pytest.mark.django_db
def test_saving_an_unchanged_article_with_images_is_not_an_update():
    from articles.models import Article

    article = ArticleFactory(
        body='<p><a href="https://example.org">Link</a></p>'
        '<figure class="image"><img src="/media/editor/a.jpg" alt="Markt"></figure>'
    )
    for _ in range(20):
        article = Article.objects.get(pk=article.pk)
        article.save()
    assert article.updated_at is None


@pytest.mark.parametrize("profile", ["article", "basic"])
def test_a_link_whose_address_is_dropped_leaves_its_text_not_an_empty_link(profile):
    html = sanitize_html(
        '<p>Mehr <a href="javascript:alert(1)" title="x">hier</a> und '
        '<a href="https://example.org/rat">dort</a>.</p>',
        profile,
    )
    assert html == (
        '<p>Mehr hier und <a href="https://example.org/rat" rel="noopener noreferrer">dort</a>.</p>'
    )
