"""One-line fields (names, titles, captions ...) refuse line breaks and control characters:
they go into e-mail subjects, headings, feeds and metadata, where a break would split them.
The rule sits on the model fields, so the admin and every ModelForm apply it."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from lxml import html as lxml_html

from articles.models import Article, Category
from newsroom.validators import validate_single_line
from tests.factories import CategoryFactory
from tests.newsroom.test_images import article_form_data

pytestmark = pytest.mark.django_db

MESSAGE = "Bitte ohne Zeilenumbrüche oder Steuerzeichen."


def test_the_admin_refuses_a_headline_with_a_line_break_and_keeps_it(admin_client):
    headline = "Großbrand in der Altstadt\r\nFeuerwehr im Einsatz"
    data = article_form_data(CategoryFactory(), title=headline)
    response = admin_client.post(reverse("admin:articles_article_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["title"] == [MESSAGE]
    assert MESSAGE in response.content.decode()
    html = lxml_html.fromstring(response.content.decode())
    kept = html.get_element_by_id("id_title").get("value")
    assert kept.split() == headline.split()
    assert not Article.objects.exists()


def test_the_admin_refuses_a_category_name_with_a_tab(admin_client):
    data = {"name": "Blau\tlicht", "slug": "blaulicht", "position": 0}
    response = admin_client.post(reverse("admin:articles_category_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [MESSAGE]
    assert not Category.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        "Müller & Söhne GmbH",
        "Straßen\u00adbahn",  # a soft hyphen: where a long word may break
        "Familie 👨\u200d👩\u200d👧",  # an emoji joined with zero-width joiners
        "Lindenau\u00a0Nord",  # a no-break space
        "",
    ],
)
def test_ordinary_text_is_accepted(text):
    validate_single_line(text)


@pytest.mark.parametrize(
    "text",
    [
        "a\nb",
        "a\rb",
        "a\r\nb",
        "a\tb",
        "a\x00b",
        "a\x1bb",
        "a\x7fb",
        "a\x85b",
        "a\u2028b",
        "a\u2029b",
    ],
)
def test_line_breaks_and_control_characters_are_refused(text):
    with pytest.raises(ValidationError):
        validate_single_line(text)
