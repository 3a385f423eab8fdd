"""wordpress/content.py: a WordPress post's HTML as the article body Newsroom stores."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from newsroom.sanitize import sanitize_html
from wordpress.content import autop, convert, first_paragraph_text

SAMPLE = Path("/work/shared/wordpress-sample/export.xml")
UPLOADS = "https://alt.example/wp-content/uploads"


def image_url(attachment_id, src):
    """Attachments 1–99 are known, and files under /uploads/ without an id."""
    if attachment_id is not None:
        return f"/media/images/2026/05/a{attachment_id}.jpg" if attachment_id < 100 else None
    if src.startswith(UPLOADS):
        return "/media/images/2026/05/" + src.rsplit("/", 1)[1]
    return None


def link_url(href):
    return "/lokales/neuer-artikel" if href.startswith("https://alt.example/2019/") else None


def run(html):
    return convert(html, image_url=image_url, link_url=link_url)


def card(label, url):
    url = url.replace("&", "&amp;")
    return f'<p><strong>{label}:</strong> <a href="{url}">{url}</a></p>'


# autop: wpautop()'s rules, with cases from WordPress's own tests -------------------------


def test_autop_blank_lines_make_paragraphs_single_newlines_breaks():
    assert autop("Eins\nzwei\n\nDrei") == "<p>Eins<br />\nzwei</p>\n<p>Drei</p>\n"
    assert autop("  \n\t ") == ""


def test_autop_first_post():
    """WordPress's test_first_post (ticket 11008)."""
    text = (
        "\nWelcome to WordPress!  This post contains important information.\n\n"
        "First things first:\n"
        "<ul>\n"
        '<li><a href="%1$s" title="Subscribe">Subscribe</a></li>\n'
        "</ul>\n"
        "As a subscriber, you will receive an email.\n"
        'When a new version is released, <a href="%2$s">log in</a> and follow.\n'
        "Upgrading is a couple of clicks!\n\n"
        "Thank you for selecting WordPress.  We wish you happy publishing!\n"
    )
    assert autop(text) == (
        "<p>Welcome to WordPress!  This post contains important information.</p>\n"
        "<p>First things first:</p>\n"
        "<ul>\n"
        '<li><a href="%1$s" title="Subscribe">Subscribe</a></li>\n'
        "</ul>\n"
        "<p>As a subscriber, you will receive an email.<br />\n"
        'When a new version is released, <a href="%2$s">log in</a> and follow.<br />\n'
        "Upgrading is a couple of clicks!</p>\n"
        "<p>Thank you for selecting WordPress.  We wish you happy publishing!</p>\n"
    )


def test_autop_leaves_pre_alone():
    code = "function f() {\n\n  return 1;\n}"
    assert autop(f"<pre>{code}</pre>").strip() == f"<pre>{code}</pre>"
    text = f"Look at this code\n\n<pre>{code}</pre>\n\nIsn't that cool?"
    assert autop(text).strip() == (
        f"<p>Look at this code</p>\n<pre>{code}</pre>\n<p>Isn't that cool?</p>"
    )
    text = "Code\n\n<pre>Line1<br />Line2<br>Line3<br/>Line4\nActual Line 2</pre>\n\nCool"
    assert autop(text).strip() == (
        "<p>Code</p>\n<pre>Line1<br />Line2<br>Line3<br/>Line4\nActual Line 2</pre>\n<p>Cool</p>"
    )


BLOCKS = (
    "table thead tfoot caption col colgroup tbody tr td th div dl dd dt ul ol li pre form map "
    "area address style p h1 h2 h3 h4 h5 h6 fieldset legend section article aside hgroup "
    "header footer nav figure details menu summary"
).split()


def test_autop_does_not_wrap_block_elements():
    content = [f"<{tag}>foo</{tag}>" for tag in BLOCKS]
    assert autop("\n\n".join(content)).strip() == "\n".join(content)
    assert autop("".join(content)).strip() == "\n".join(content)
    content = [f"<{tag}/>" for tag in BLOCKS]
    assert autop("".join(content)).strip() == "\n".join(content)
    content = [f"<{tag} attr='value'>foo</{tag}>" for tag in BLOCKS]
    assert autop("".join(content)).strip() == "\n".join(content)


def test_autop_treats_inline_elements_as_inline():
    inlines = "a em strong small s cite q dfn abbr data time code var samp kbd sub sup i b u "
    inlines += "mark span del ins noscript select"
    content = "\n\n".join(f"<{tag}>foo</{tag}>" for tag in inlines.split())
    expected = "\n".join(f"<p><{tag}>foo</{tag}></p>" for tag in inlines.split())
    assert autop(content).strip() == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<blockquote>foo</blockquote>", "<blockquote><p>foo</p></blockquote>"),
        ("a<div>b</div>", "<p>a</p>\n<div>b</div>"),
        ("paragraph1<hr>paragraph2", "<p>paragraph1</p>\n<hr>\n<p>paragraph2</p>"),
        (
            '<figure><img src="example.jpg" /><figcaption>Caption</figcaption></figure>',
            '<figure><img src="example.jpg" /><figcaption>Caption</figcaption></figure>',
        ),
        (
            '<figure>\n<img src="example.jpg" />\n<figcaption>Caption</figcaption>\n</figure>',
            '<figure>\n<img src="example.jpg" /><figcaption>Caption</figcaption></figure>',
        ),
        (
            "\nline 1<br>\nline 2<br/>\nline 3<br />\nline 4\nline 5\n",
            ("<p>line 1<br />\nline 2<br />\nline 3<br />\nline 4<br />\nline 5</p>"),
        ),
        ("\nline 1<br>\n<br/>\nline 2<br/>\n<br />\n", "<p>line 1</p>\n<p>line 2</p>"),
        (
            'Username: <input type="text" id="username" name="username" /><br />Password: '
            '<input type="password" id="password1" name="password1" />',
            '<p>Username: <input type="text" id="username" name="username" /><br />Password: '
            '<input type="password" id="password1" name="password1" /></p>',
        ),
        (
            'Country: <select id="state" name="state"><option value="1">Alabama</option>'
            '<option value="2">Alaska</option></select>',
            '<p>Country: <select id="state" name="state"><option value="1">Alabama</option>'
            '<option value="2">Alaska</option></select></p>',
        ),
        (
            '<script type="text/javascript">\n\t\t\t\tvar dummy = 1;\n\t\t\t</script>',
            '<p><script type="text/javascript">\n\t\t\t\tvar dummy = 1;\n\t\t\t</script></p>',
        ),
        (
            '<svg xmlns="http://www.w3.org/2000/svg">\n<circle cx="50" cy="50" r="30"/>\n</svg>',
            '<p><svg xmlns="http://www.w3.org/2000/svg">\n<circle cx="50" cy="50" r="30"/>\n'
            "</svg></p>",
        ),
        (
            "<math><mrow><msup><mi>a</mi><mn>2</mn></msup></mrow></math>",
            "<p><math><mrow><msup><mi>a</mi><mn>2</mn></msup></mrow></math></p>",
        ),
        (
            '<math display="block">\n\t<mtable>\n\t\t<mtr><mtd>x</mtd></mtr>\n\t</mtable>\n</math>',
            '<p><math display="block">\n\t<mtable>\n\t\t<mtr><mtd>x</mtd></mtr>\n\t</mtable>\n'
            "</math></p>",
        ),
        (
            'Paragraph one.\n\n<object width="400" height="224">\n\t<param name="src" '
            'value="x.swf" />\n\n\t<embed width="400" height="224" src="x.swf" />\n</object>\n\n'
            "Paragraph two.",
            '<p>Paragraph one.</p>\n<p><object width="400" height="224"><param name="src" '
            'value="x.swf" /><embed width="400" height="224" src="x.swf" /></object></p>\n'
            "<p>Paragraph two.</p>",
        ),
        (
            'One.\n\n<video controls="controls">\n\t<source type="video/mp4" src="x.mp4" />\n\t'
            '<track kind="subtitles" src="s.srt" />\n</video>\n\nTwo.',
            '<p>One.</p>\n<p><video controls="controls"><source type="video/mp4" src="x.mp4" />'
            '<track kind="subtitles" src="s.srt" /></video></p>\n<p>Two.</p>',
        ),
    ],
)
def test_autop_wordpress_cases(text, expected):
    assert autop(text).strip() == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello <a\nhref='world'>", "<p>Hello <a\nhref='world'></p>\n"),
        ("Hello <!-- a\nhref='world' -->", "<p>Hello <!-- a\nhref='world' --></p>\n"),
        (
            "Hello <!-- <object>\n<param>\n<param>\n<embed>\n</embed>\n</object>\n -->",
            "<p>Hello <!-- <object>\n<param>\n<param>\n<embed>\n</embed>\n</object>\n --></p>\n",
        ),
        (
            "Hello <![CDATA[ a\nhttps://youtu.be/jgz0uSaOZbE\n ]]>",
            "<p>Hello <![CDATA[ a\nhttps://youtu.be/jgz0uSaOZbE\n ]]></p>\n",
        ),
    ],
)
def test_autop_keeps_newlines_inside_tags_and_comments(text, expected):
    assert autop(text) == expected


def test_autop_keeps_a_no_break_space_paragraph_as_php_does():
    assert autop("a\n\n\u00a0\n\nb") == "<p>a</p>\n<p>\u00a0</p>\n<p>b</p>\n"


# Blocks and classic content ------------------------------------------------------------


def test_block_comments_go_and_block_content_gets_no_autop():
    html = (
        "<!-- wp:paragraph -->\n<p>Eine Zeile\nund noch eine</p>\n<!-- /wp:paragraph -->\n\n"
        '<!-- wp:heading {"level":3,"className":"x"} -->\n<h3>Titel</h3>\n<!-- /wp:heading -->'
        "\n\n<!-- wp:separator /-->\n"
    )
    result = run(html)
    assert result.html == "<p>Eine Zeile\nund noch eine</p>\n<h3>Titel</h3>"
    assert "<br" not in result.html and "wp:" not in result.html


def test_classic_content_gets_autop():
    result = run("Erster Absatz\nmit Umbruch\n\nZweiter Absatz\n<!--more-->\nWeiter")
    assert result.html == (
        "<p>Erster Absatz<br>\nmit Umbruch</p>\n<p>Zweiter Absatz<br>\n<br>\nWeiter</p>"
    )


def test_quote_source_on_its_own_line():
    html = (
        '<!-- wp:quote -->\n<blockquote class="wp-block-quote"><!-- wp:paragraph -->\n'
        "<p>„Ein historischer Tag.“</p>\n<!-- /wp:paragraph --><cite>Sabine Lammers</cite>"
        "</blockquote>\n<!-- /wp:quote -->"
    )
    assert sanitize_html(run(html).html) == (
        "<blockquote>\n<p>„Ein historischer Tag.“</p>\n<p>— Sabine Lammers</p></blockquote>"
    )


# Captions --------------------------------------------------------------------------------


def test_caption_with_text_after_the_image():
    html = (
        '[caption id="attachment_23" align="alignnone" width="300"]'
        f'<a href="{UPLOADS}/2019/05/x.jpg"><img src="{UPLOADS}/2019/05/x-300x200.jpg" '
        'alt="Das Rathaus" class="wp-image-23 size-medium" width="300" height="200" /></a>'
        " Die Caption[/caption]"
    )
    result = run(html)
    assert result.html == (
        '<figure class="image"><img src="/media/images/2026/05/a23.jpg" alt="Das Rathaus">'
        "<figcaption>Die Caption</figcaption></figure>"
    )
    assert result.attachment_ids == {23}
    assert not result.shortcodes_removed


def test_caption_in_the_attribute_old_style():
    html = (
        '[caption id="attachment_7" align="alignleft" width="150" caption="Foto: <em>Privat</em>"]'
        '<img src="https://alt.example/bild.jpg" /> [/caption]'
    )
    result = run(html)
    assert result.html == (
        '<figure class="image"><img src="/media/images/2026/05/a7.jpg">'
        "<figcaption>Foto: <em>Privat</em></figcaption></figure>"
    )
    assert result.attachment_ids == {7}  # the caption's id, the image has no class


def test_caption_in_a_paragraph_with_a_line_break_and_an_attachment_page_link():
    html = (
        'Vorher\n\n[caption id="attachment_5"]'
        '<a href="https://alt.example/?attachment_id=5"><img class="wp-image-5" src="x.jpg"></a>'
        "\nDie Caption[/caption]\n\nNachher"
    )
    assert run(html).html == (
        '<p>Vorher</p>\n<figure class="image"><img src="/media/images/2026/05/a5.jpg">'
        "<figcaption>Die Caption</figcaption></figure>\n<p>Nachher</p>"
    )


def test_caption_keeps_a_link_to_elsewhere():
    html = '[caption id="attachment_5"]<a href="https://verein.example/"><img class="wp-image-5" '
    html += 'src="x.jpg"></a> Der Verein[/caption]'
    assert run(html).html == (
        '<figure class="image"><a href="https://verein.example/">'
        '<img src="/media/images/2026/05/a5.jpg"></a><figcaption>Der Verein</figcaption></figure>'
    )


# Galleries -------------------------------------------------------------------------------


def test_gallery_shortcode():
    result = run('Bilder:\n\n[gallery columns="2" link="file" ids="3, 4,200"]\n\nEnde')
    assert result.html == (
        "<p>Bilder:</p>\n"
        '<figure class="image"><img src="/media/images/2026/05/a3.jpg"></figure>\n'
        '<figure class="image"><img src="/media/images/2026/05/a4.jpg"></figure>\n'
        "<p>Ende</p>"
    )
    assert result.galleries == 1
    assert result.attachment_ids == {3, 4, 200}
    assert result.missing_images == ["attachment_id=200"]


def test_gallery_shortcode_without_ids_is_reported():
    result = run('[gallery include="8"] [gallery]')
    assert result.html == '<figure class="image"><img src="/media/images/2026/05/a8.jpg"></figure>'
    assert result.galleries == 1
    assert result.shortcodes_removed == {"gallery": 1}


def test_gallery_block():
    html = (
        '<!-- wp:gallery {"linkTo":"media"} -->\n'
        '<figure class="wp-block-gallery has-nested-images columns-default is-cropped">'
        '<!-- wp:image {"id":5} -->\n<figure class="wp-block-image size-large">'
        f'<a href="{UPLOADS}/5.jpg"><img src="{UPLOADS}/5-1024x768.jpg" alt="Fünf" '
        'class="wp-image-5"/></a><figcaption class="wp-element-caption">Eins</figcaption>'
        "</figure>\n<!-- /wp:image -->\n\n"
        '<!-- wp:image {"id":6} -->\n<figure class="wp-block-image size-large">'
        f'<img src="{UPLOADS}/6.jpg" alt="" class="wp-image-6"/></figure>\n<!-- /wp:image -->'
        '<figcaption class="blocks-gallery-caption">Das Fest</figcaption></figure>\n'
        "<!-- /wp:gallery -->"
    )
    result = run(html)
    assert result.html == (
        '<figure class="image"><img src="/media/images/2026/05/a5.jpg" alt="Fünf">'
        "<figcaption>Eins</figcaption></figure>\n"
        '<figure class="image"><img src="/media/images/2026/05/a6.jpg" alt=""></figure>\n'
        "<p>Das Fest</p>"
    )
    assert result.galleries == 1


def test_gallery_block_old_list_format():
    html = (
        '<!-- wp:gallery {"ids":[1,2]} -->\n<figure class="wp-block-gallery columns-2">'
        '<ul class="blocks-gallery-grid"><li class="blocks-gallery-item"><figure>'
        '<img src="a.jpg" data-id="1" class="wp-image-1"/><figcaption '
        'class="blocks-gallery-item__caption">A</figcaption></figure></li>'
        '<li class="blocks-gallery-item"><figure><img src="b.jpg" data-id="2"/></figure></li>'
        "</ul></figure>\n<!-- /wp:gallery -->"
    )
    result = run(html)
    assert result.html == (
        '<figure class="image"><img src="/media/images/2026/05/a1.jpg"><figcaption>A'
        '</figcaption></figure>\n<figure class="image"><img src="/media/images/2026/05/a2.jpg">'
        "</figure>"
    )
    assert (result.galleries, result.attachment_ids) == (1, {1, 2})


# Embeds ----------------------------------------------------------------------------------

YT = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"


@pytest.mark.parametrize(
    ("html", "label", "url"),
    [
        # A URL alone on its line or in its paragraph: WordPress embeds it.
        (f"Davor\n\n{YT}\n\nDanach", "Video bei YouTube", YT),
        ("Davor\nhttps://youtu.be/dQw4w9WgXcQ?t=42\nDanach", "Video bei YouTube", YT + "&t=42"),
        (f"<!-- wp:paragraph -->\n<p>{YT}</p>\n<!-- /wp:paragraph -->", "Video bei YouTube", YT),
        (f'<p><a href="{YT}">{YT}</a></p>', "Video bei YouTube", YT),
        ("https://vimeo.com/76979871", "Video bei Vimeo", "https://vimeo.com/76979871"),
        (
            "https://x.com/stadt/status/1234567890?s=20",
            "Beitrag bei X",
            "https://x.com/stadt/status/1234567890",
        ),
        (
            "https://twitter.com/stadt/status/1234567890",
            "Beitrag bei X",
            "https://twitter.com/stadt/status/1234567890",
        ),
        (
            "https://www.instagram.com/p/CxYz123/",
            "Beitrag bei Instagram",
            "https://www.instagram.com/p/CxYz123/",
        ),
        (
            "https://www.facebook.com/stadt/posts/123",
            "Beitrag bei Facebook",
            "https://www.facebook.com/stadt/posts/123",
        ),
        # Shortcodes.
        (f'[embed width="640"]{YT}[/embed]', "Video bei YouTube", YT),
        (f"[youtube {YT}]", "Video bei YouTube", YT),
        (f"[youtube={YT}&amp;w=640&amp;h=360]", "Video bei YouTube", YT),
        ("[vimeo 76979871]", "Video bei Vimeo", "https://vimeo.com/76979871"),
        (
            '[vimeo id="76979871" w="500"]',
            "Video bei Vimeo",
            "https://vimeo.com/76979871",
        ),
        (
            "[embed]https://soundcloud.com/band/lied[/embed]",
            "Inhalt bei soundcloud.com",
            "https://soundcloud.com/band/lied",
        ),
        # Blocks.
        (
            '<!-- wp:embed {"url":"https://youtu.be/dQw4w9WgXcQ"} -->\n'
            '<figure class="wp-block-embed is-type-video is-provider-youtube">'
            '<div class="wp-block-embed__wrapper">\nhttps://youtu.be/dQw4w9WgXcQ\n</div></figure>\n'
            "<!-- /wp:embed -->",
            "Video bei YouTube",
            YT,
        ),
        (
            '<!-- wp:core-embed/twitter {"url":"https://twitter.com/a/status/1"} -->\n'
            '<figure class="wp-block-embed-twitter wp-block-embed is-type-rich"><div '
            'class="wp-block-embed__wrapper">\nhttps://twitter.com/a/status/1\n</div></figure>\n'
            "<!-- /wp:core-embed/twitter -->",
            "Beitrag bei X",
            "https://twitter.com/a/status/1",
        ),
        (
            "<!-- wp:paragraph --><p>a</p><!-- /wp:paragraph -->"
            '<!-- wp:embed {"url":"https://www.instagram.com/p/CxYz123/"} /-->',
            "Beitrag bei Instagram",
            "https://www.instagram.com/p/CxYz123/",
        ),
        # Pasted HTML.
        (
            '<iframe width="560" height="315" src="https://www.youtube.com/embed/dQw4w9WgXcQ?'
            'start=30" frameborder="0" allowfullscreen></iframe>',
            "Video bei YouTube",
            YT + "&t=30",
        ),
        (
            '<iframe src="//www.youtube-nocookie.com/embed/dQw4w9WgXcQ"></iframe>',
            "Video bei YouTube",
            YT,
        ),
        (
            '<iframe src="https://www.youtube.com/embed/videoseries?list=PL123"></iframe>',
            "Video bei YouTube",
            "https://www.youtube.com/playlist?list=PL123",
        ),
        (
            '<iframe src="https://player.vimeo.com/video/76979871?h=abc&color=fff"></iframe>',
            "Video bei Vimeo",
            "https://vimeo.com/76979871/abc",
        ),
        (
            '<blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram'
            '.com/p/CxYz123/?utm_source=ig_embed" data-instgrm-version="14"><div><a href="https'
            '://www.instagram.com/p/CxYz123/">Diesen Beitrag ansehen</a></div></blockquote>'
            '<script async src="//www.instagram.com/embed.js"></script>',
            "Beitrag bei Instagram",
            "https://www.instagram.com/p/CxYz123/",
        ),
        (
            '<iframe src="https://www.facebook.com/plugins/post.php?href=https%3A%2F%2Fwww.'
            'facebook.com%2Fstadt%2Fposts%2F123&width=500"></iframe>',
            "Beitrag bei Facebook",
            "https://www.facebook.com/stadt/posts/123",
        ),
        (
            '<div id="fb-root"></div><div class="fb-post" data-href="https://www.facebook.com/'
            'stadt/posts/123"></div>',
            "Beitrag bei Facebook",
            "https://www.facebook.com/stadt/posts/123",
        ),
        (
            '<iframe src="https://www.google.com/maps/embed?pb=!1m18"></iframe>',
            "Inhalt bei google.com",
            "https://www.google.com/maps/embed?pb=!1m18",
        ),
        (
            '<object width="425" height="344"><param name="movie" value="http://www.youtube.com/'
            'v/dQw4w9WgXcQ&hl=de&fs=1"></param><embed src="http://www.youtube.com/v/dQw4w9WgXcQ'
            '&hl=de" type="application/x-shockwave-flash"></embed></object>',
            "Video bei YouTube",
            YT,
        ),
    ],
)
def test_embeds_become_link_cards(html, label, url):
    result = run(html)
    assert card(label, url) in result.html
    assert result.embeds == 1
    assert "<iframe" not in result.html and "<script" not in result.html
    clean = sanitize_html(result.html)
    assert f"<strong>{label}:</strong>" in clean
    assert f'href="{url.replace("&", "&amp;")}"' in clean


def test_an_embed_is_a_block_of_its_own_with_its_caption_after_it():
    html = (
        "<!-- wp:embed -->\n"
        '<figure class="wp-block-embed is-provider-vimeo"><div class="wp-block-embed__wrapper">'
        '\nhttps://vimeo.com/1\n</div><figcaption class="wp-element-caption">Das Video'
        "</figcaption></figure>\n<!-- /wp:embed -->"
    )
    assert run(html).html == card("Video bei Vimeo", "https://vimeo.com/1") + "\n<p>Das Video</p>"
    youtube = card("Video bei YouTube", YT)
    html = f"Text davor\n{YT}\nText danach"
    assert run(html).html == f"<p>Text davor</p>\n{youtube}\n<p>Text danach</p>"


def test_a_tweet_keeps_its_text():
    html = (
        '<blockquote class="twitter-tweet"><p lang="de" dir="ltr">Heute ist Markt 🍎</p>'
        '&mdash; Stadt (@stadt) <a href="https://twitter.com/stadt/status/99?ref_src=twsrc">'
        '1. Mai 2024</a></blockquote><script async src="https://platform.twitter.com/widgets.js">'
        "</script>"
    )
    result = run(html)
    assert result.html.startswith(card("Beitrag bei X", "https://twitter.com/stadt/status/99"))
    assert "<blockquote>" in result.html and "Heute ist Markt 🍎" in result.html
    assert result.embeds == 1


@pytest.mark.parametrize(
    "html",
    [
        "[embed]javascript:alert(1)[/embed]",
        '<iframe src="javascript:alert(1)"></iframe>',
        '<iframe src="data:text/html,hallo"></iframe>',
        "[youtube]",
    ],
)
def test_embeds_other_than_http_are_dropped(html):
    result = run(html)
    assert result.html == "" and result.embeds == 0


def test_unknown_urls_alone_are_links_not_cards():
    result = run("Mehr unter:\n\nhttps://www.stadt.example/termine\n\nEnde")
    url = "https://www.stadt.example/termine"
    assert result.html == f'<p>Mehr unter:</p>\n<p><a href="{url}">{url}</a></p>\n<p>Ende</p>'
    assert result.embeds == 0
    assert run("Siehe https://youtu.be/abc im Text").embeds == 0  # not alone on its line


# Other shortcodes ------------------------------------------------------------------------


def test_unknown_shortcodes_are_removed_and_counted():
    html = (
        '[su_box title="Info"][su_note]Wichtig: [b_x/]Öffnungszeiten[/su_note][/su_box]\n\n'
        '[contact-form-7 id="12" title="Kontakt"]\n\n'
        '[foo a="b"]drin[/foo] [bar /] [toc] [/baz] [spalte breite=50]Text[/spalte]'
    )
    result = run(html)
    assert result.html == "<p>Wichtig: Öffnungszeiten</p>\n<p>drin    Text</p>"  # four spaces stay
    assert result.shortcodes_removed == {
        "su_box": 1, "su_note": 1, "b_x": 1, "contact-form-7": 1, "foo": 1, "bar": 1,
        "toc": 1, "baz": 1, "spalte": 1,
    }  # fmt: skip


def test_escaped_shortcodes_become_literal():
    result = run("Schreiben Sie [[gallery]] oder [[foo id=1]] oder [[box]x[/box]].")
    assert result.html == "<p>Schreiben Sie [gallery] oder [foo id=1] oder [box]x[/box].</p>"
    result = run('[[caption id="attachment_1"]<img src="a.jpg"> Text[/caption]]')
    assert "[caption" in result.html and "[/caption]" in result.html
    assert not result.shortcodes_removed and result.galleries == 0


@pytest.mark.parametrize(
    "text",
    [
        "Er sagte, es sei „total [sic] gelungen“.",
        "Das [lacht] war nicht ernst gemeint.",
        "Er [der Bürgermeister] widersprach.",
        "Quelle [1] und [23], [Anm. d. Red.: gekürzt], […], [Name geändert]",
        "Preis [https://shop.example/?a=b] und [x]",
    ],
)
def test_brackets_in_prose_stay(text):
    result = run(text)
    assert result.html == f"<p>{text}</p>".replace("&", "&amp;")
    assert not result.shortcodes_removed


# Images ----------------------------------------------------------------------------------


def test_images_are_mapped_and_wrapped_in_figures():
    html = (
        "Text\n\n"
        f'<a href="{UPLOADS}/2019/05/haus.jpg"><img class="alignright size-medium wp-image-42" '
        f'src="{UPLOADS}/2019/05/haus-300x200.jpg" alt="Ein Haus" width="300" height="200" '
        'srcset="a 300w, b 1024w" sizes="(max-width: 300px) 100vw" onclick="evil()" /></a>'
        "Der Absatz neben dem Bild."
    )
    result = run(html)
    assert result.html == (
        "<p>Text</p>\n"
        '<figure class="image"><img src="/media/images/2026/05/a42.jpg" alt="Ein Haus"></figure>\n'
        "<p>Der Absatz neben dem Bild.</p>"
    )
    assert result.attachment_ids == {42}


def test_image_without_id_is_looked_up_by_its_src():
    html = f'<p><img src="{UPLOADS}/2020/01/platz.jpg" alt="Platz"></p>'
    assert run(html).html == (
        '<figure class="image"><img src="/media/images/2026/05/platz.jpg" alt="Platz"></figure>'
    )


def test_missing_images_are_dropped_and_reported():
    html = (
        '<p>Vorher <img src="https://fremd.example/bild.png"> nachher</p>\n'
        '<!-- wp:image -->\n<figure class="wp-block-image"><img src="https://fremd.example/b.jpg" '
        'class="wp-image-500"/><figcaption>Weg</figcaption></figure>\n<!-- /wp:image -->\n'
        '[caption id="attachment_501"]<img src="c.jpg" class="wp-image-501"> Auch weg[/caption]'
    )
    result = run(html)
    assert result.html == "<p>Vorher  nachher</p>"
    assert result.missing_images == [
        "https://fremd.example/bild.png", "https://fremd.example/b.jpg", "c.jpg"
    ]  # fmt: skip
    assert result.attachment_ids == {500, 501}


def test_lazy_loaded_images_and_emoji_images():
    html = (
        '<img src="data:image/gif;base64,R0lGOD" data-lazy-src="https://alt.example/wp-content/'
        'uploads/x.jpg" class="lazy">\n\nGut <img class="wp-smiley" src="https://s.w.org/images/'
        'core/emoji/14.0.0/72x72/1f600.png" alt="😀" style="height: 1em"> gemacht'
    )
    result = run(html)
    assert result.html == (
        '<figure class="image"><img src="/media/images/2026/05/x.jpg"></figure>\n'
        "<p>Gut 😀 gemacht</p>"
    )
    assert result.missing_images == []


def test_gutenberg_image_block_becomes_the_editors_figure():
    html = (
        '<!-- wp:image {"id":12,"sizeSlug":"large","linkDestination":"none"} -->\n'
        '<figure class="wp-block-image size-large is-style-rounded"><img src="x-1024x768.jpg" '
        'alt="Bühne" class="wp-image-12" srcset="x 1x"/><figcaption class="wp-element-caption">'
        "Foto: <em>Verein</em></figcaption></figure>\n<!-- /wp:image -->"
    )
    assert run(html).html == (
        '<figure class="image"><img src="/media/images/2026/05/a12.jpg" alt="Bühne">'
        "<figcaption>Foto: <em>Verein</em></figcaption></figure>"
    )


def test_table_block_becomes_the_editors_table_figure():
    html = '<!-- wp:table -->\n<figure class="wp-block-table is-style-stripes"><table><tbody>'
    html += "<tr><td>1</td></tr></tbody></table></figure>\n<!-- /wp:table -->"
    assert run(html).html == (
        '<figure class="table"><table><tbody><tr><td>1</td></tr></tbody></table></figure>'
    )


def test_images_in_a_table_stay_in_their_cells():
    html = '<!-- wp:table -->\n<figure class="wp-block-table"><table><tbody><tr><td>'
    html += '<img src="x.jpg" class="wp-image-9" width="50"></td></tr></tbody></table></figure>'
    assert run(html).html == (
        '<figure class="table"><table><tbody><tr><td><img src="/media/images/2026/05/a9.jpg">'
        "</td></tr></tbody></table></figure>"
    )


def test_a_link_to_a_document_around_its_cover_stays():
    html = f'<a href="{UPLOADS}/2019/05/satzung.pdf"><img src="{UPLOADS}/2019/05/satzung.jpg"></a>'
    assert run(html).html == (
        f'<figure class="image"><a href="{UPLOADS}/2019/05/satzung.pdf">'
        '<img src="/media/images/2026/05/satzung.jpg"></a></figure>'
    )


# Links -----------------------------------------------------------------------------------


def test_links_are_rewritten_when_link_url_knows_them():
    html = (
        '<a href="https://alt.example/2019/05/bericht/">Bericht</a> und '
        '<a href="https://anderswo.example/">anderswo</a> und <a name="anker">Anker</a>'
    )
    assert run(html).html == (
        '<p><a href="/lokales/neuer-artikel">Bericht</a> und '
        '<a href="https://anderswo.example/">anderswo</a> und <a name="anker">Anker</a></p>'
    )


# Text ------------------------------------------------------------------------------------


def test_utf8_survives():
    text = "Grüße aus Köln – „Straße“ ½ 😀👍🏽 and שלום עולם and مرحبا"
    html = f"<!-- wp:paragraph -->\n<p>{text}</p>\n<!-- /wp:paragraph -->"
    assert run(html).html == f"<p>{text}</p>"
    assert run(text).html == f"<p>{text}</p>"
    assert sanitize_html(run(text).html) == f"<p>{text}</p>"


def test_empty_and_spacer_paragraphs_go():
    assert run("").html == ""
    assert run("<p>&nbsp;</p>\n<p>Text</p>\n<p> </p>").html == "<p>Text</p>"


# What survives the sanitizer --------------------------------------------------------------


def test_sanitized_result_keeps_what_readers_need():
    html = (
        "Einleitung mit <strong>Fett</strong>\n\n"
        '[caption id="attachment_3"]<img src="a.jpg" class="wp-image-3" alt="Markt" /> Der Markt'
        "[/caption]\n\n"
        f"{YT}\n\n"
        '<p onclick="steal()">Klick</p>\n\n'
        "<script>alert('x')</script>\n\n"
        '<a href="https://alt.example/2019/01/alt/" onmouseover="x()">Alter Artikel</a>\n\n'
        '<img src="https://fremd.example/tracking.gif">'
    )
    clean = sanitize_html(run(html).html)
    assert clean == (
        "<p>Einleitung mit <strong>Fett</strong></p>\n"
        '<figure class="image"><img src="/media/images/2026/05/a3.jpg" alt="Markt" '
        'loading="lazy"><figcaption>Der Markt</figcaption></figure>\n'
        f'<p><strong>Video bei YouTube:</strong> <a href="{YT}" rel="noopener noreferrer">'
        f"{YT}</a></p>\n"
        "<p>Klick</p>\n"
        '<p><a href="/lokales/neuer-artikel" rel="noopener noreferrer">Alter Artikel</a></p>'
    )
    assert "script" not in clean and "onclick" not in clean and "alert" not in clean


# First paragraph -----------------------------------------------------------------------


def test_first_paragraph_text():
    html = (
        '<figure class="image"><img src="/media/x.jpg"><figcaption>Bild</figcaption></figure>\n'
        f"{card('Video bei YouTube', YT)}\n<p> </p>\n<blockquote><p>Zitat</p></blockquote>\n"
        "<p><strong>Schermbeck.</strong>  Auf den\nPlätzen ging es hoch her.</p><p>Zwei</p>"
    )
    assert first_paragraph_text(html) == "Schermbeck. Auf den Plätzen ging es hoch her."
    assert first_paragraph_text("Nur Text\nin Zeilen\n\nZweiter") == "Nur Text in Zeilen"
    assert first_paragraph_text("") == ""


# The sample export ----------------------------------------------------------------------


@pytest.mark.skipif(not SAMPLE.exists(), reason="no sample export")
def test_every_post_of_the_sample_export_converts():
    namespace = {"content": "http://purl.org/rss/1.0/modules/content/"}
    items = ET.parse(SAMPLE).getroot().iter("item")
    contents = [item.findtext("content:encoded", "", namespace) for item in items]
    assert sum(1 for c in contents if c.strip()) >= 10
    for html in contents:
        result = convert(html, image_url=lambda i, s: "/media/x.jpg", link_url=lambda h: None)
        assert "<!-- wp:" not in result.html
        if html.strip():
            assert first_paragraph_text(result.html)
        clean = sanitize_html(result.html)
        assert "<!--" not in clean
