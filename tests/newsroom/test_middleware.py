"""Odd addresses get a client error, never a server error."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["/%00/", "/lindenau/x%00y/", "/suche/?q=a%00b", "/?seite=%00", "/suche/?q%00=x",
     "/wetter/%00/", "/stellenmarkt/?ort=%00"],
)  # fmt: skip
def test_nul_characters_are_a_bad_request(client, url):
    # PostgreSQL refuses NUL in strings; unchecked, these ended in a 500 there.
    client.raise_request_exception = False
    assert client.get(url).status_code == 400
