"""Health checks, metrics and request ids through the shipped Varnish, and from gunicorn
as production runs it (several workers, https redirect on, by IP address)."""

import socket
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from newsroom import health

from .conftest import Gunicorn, database_url, http_request

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _checks():
    yield
    health.close()  # their threads' connections to the test database


# --- Through Varnish -------------------------------------------------------------------


def test_health_checks_pass_through_varnish_uncached(varnish):
    for path in ("/healthz", "/readyz", "/readyz?from=lb"):
        for _ in range(2):
            response = varnish.get(path)
            assert response.status == 200, (path, response.text)
            assert response.cache == "PASS"
            assert response.headers["Cache-Control"] == "no-store"


def test_metrics_are_not_reachable_through_varnish(varnish):
    for path in ("/metrics", "/metrics/", "/metrics?format=text"):
        response = varnish.get(path)
        assert response.status == 404, path
        assert "Diese Seite gibt es nicht" in response.text
        assert "django_http" not in response.text
        assert response.headers["Cache-Control"] == "no-store"


def test_every_request_gets_varnishs_own_id(varnish):
    first = varnish.get("/robots.txt", X_Request_ID="chosen-by-a-reader")
    assert first.cache == "MISS"
    # The transaction id that varnishlog shows (the first number of X-Varnish).
    assert first.headers["X-Request-ID"] == first.headers["X-Varnish"].split()[0]
    # A copy from the cache carries the id of the request that got it, not the first one's.
    second = varnish.get("/robots.txt")
    assert second.cache == "HIT"
    assert second.headers["X-Request-ID"] == second.headers["X-Varnish"].split()[0]
    assert second.headers["X-Request-ID"] != first.headers["X-Request-ID"]


# --- gunicorn --------------------------------------------------------------------------


@pytest.fixture
def production_app(tmp_path, monkeypatch):
    """gunicorn with two workers, production's https redirect and host check, and the
    workers' metrics added up (PROMETHEUS_MULTIPROC_DIR)."""
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    monkeypatch.setenv("SECURE_SSL_REDIRECT", "true")
    monkeypatch.setenv("ALLOWED_HOSTS", "lindenau-nachrichten.de")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
    app = Gunicorn(tmp_path, database_url(), workers=2)
    yield app
    app.stop()


def responses(app, view: str) -> float:
    text = http_request(app.port, "GET", "/metrics").text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "django_http_responses_total_by_status_view_method_total" and (
                sample.labels == {"method": "GET", "status": "200", "view": view}
            ):
                return sample.value
    return 0


def test_load_balancers_ask_gunicorn_by_ip_over_http(production_app):
    lb = {"Host": "10.0.0.5:8000"}
    for path in ("/healthz", "/readyz"):
        response = http_request(production_app.port, "GET", path, lb)
        assert response.status == 200, (path, response.text)
        assert response.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in response.headers
    # The site itself: https only, and only under its own name.
    assert http_request(production_app.port, "GET", "/", lb).status == 400
    site = {"Host": "lindenau-nachrichten.de"}
    assert http_request(production_app.port, "GET", "/", site).status == 301


def test_metrics_add_up_every_workers_counts(production_app):
    site = "Host: lindenau-nachrichten.de\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n"
    # One worker takes a request that is still arriving and waits for the rest of it ...
    slow = socket.create_connection(("127.0.0.1", production_app.port))
    slow.sendall(f"GET /robots.txt HTTP/1.1\r\n{site}".encode())
    time.sleep(0.3)
    # ... so the other one answers these,
    https = {"Host": "lindenau-nachrichten.de", "X-Forwarded-Proto": "https"}
    for _ in range(3):
        assert http_request(production_app.port, "GET", "/robots.txt", https).status == 200
    # and then the first one answers the slow request.
    slow.sendall(b"\r\n")
    assert slow.recv(64).startswith(b"HTTP/1.1 200")
    slow.close()
    # Whichever worker answers the scrape counts all four.
    assert responses(production_app, "robots") == 4
    assert responses(production_app, "robots") == 4
