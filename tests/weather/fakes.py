"""A real HTTP server on 127.0.0.1 that answers like Bright Sky, and answers to serve.

The answers in answers/ follow Bright Sky's documented format (written by hand: the test
machines have no internet to record from). Tests stamp them with current times and may
break them on purpose.
"""

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from django.utils import timezone

from weather.forecast import BERLIN
from weather.models import Place, Report

ANSWERS = Path(__file__).parent / "answers"


class Answer:
    def __init__(self, body, status=200, delay=0.0, trickle=0.0):
        self.body = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.status = status
        self.delay = delay
        self.trickle = trickle  # seconds between single bytes of the body


class FakeBrightSky:
    def __init__(self):
        self.routes: dict[tuple[str, str | None], Answer] = {}
        self.requests: list[tuple[str, dict]] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                fake.requests.append((url.path, query))
                answer = fake.routes.get((url.path, query.get("lat"))) or fake.routes.get(
                    (url.path, None), Answer({"detail": "not found"}, status=404)
                )
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    if answer.trickle:
                        for byte in answer.body:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(answer.trickle)
                    else:
                        self.wfile.write(answer.body)
                except OSError:
                    pass  # the client gave up waiting (the timeout tests)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def answer(self, path, body, *, status=200, delay=0.0, trickle=0.0, lat=None):
        """Serve `body` (JSON-able, or raw bytes) at `path`; with `lat` only for that place."""
        self.routes[(path, lat)] = Answer(body, status, delay, trickle)

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def current_answer(*, observed_at: datetime | None = None, **weather) -> dict:
    data = json.loads((ANSWERS / "current_weather.json").read_text())
    observed_at = observed_at or timezone.now() - timedelta(minutes=10)
    data["weather"]["timestamp"] = observed_at.astimezone(BERLIN).isoformat()
    data["weather"].update(weather)
    return data


def alerts_answer(*, onset: datetime | None = None, expires: datetime | None = None) -> dict:
    data = json.loads((ANSWERS / "alerts.json").read_text())
    now = timezone.now()
    data["alerts"][0]["onset"] = (onset or now - timedelta(hours=1)).astimezone(BERLIN).isoformat()
    data["alerts"][0]["expires"] = (
        (expires or now + timedelta(hours=6)).astimezone(BERLIN).isoformat()
    )
    return data


NO_ALERTS = {"alerts": [], "location": {"name": "Stadt Dorsten", "state_short": "NW"}}


def forecast_answer(*, days: int = 7, hour=None, distance: float = 15890) -> dict:
    """Hourly records from today 00:00 to the last day's 00:00 inclusive, like Bright Sky.

    `hour(local_datetime) -> dict` may override fields of single records.
    """
    start = datetime.combine(timezone.localdate(), datetime.min.time(), tzinfo=BERLIN)
    records = []
    for n in range(days * 24 + 1):
        local = (start.astimezone(UTC) + timedelta(hours=n)).astimezone(BERLIN)
        record = {
            "timestamp": local.isoformat(),
            "source_id": 46567,
            "precipitation": 0.0,
            "pressure_msl": 1015.2,
            "sunshine": 0.0,
            "temperature": round(2.0 + 7 * (1 - abs(local.hour - 14) / 14), 1),  # 2..9 °C
            "wind_direction": 230,
            "wind_speed": 11.2,
            "cloud_cover": 62,
            "dew_point": 1.9,
            "relative_humidity": 84,
            "visibility": 30000,
            "wind_gust_direction": None,
            "wind_gust_speed": 24.1,
            "condition": "dry",
            "precipitation_probability": 12,
            "solar": None,
            "icon": "partly-cloudy-day" if 8 <= local.hour < 17 else "partly-cloudy-night",
        }
        if hour:
            record.update(hour(local))
        records.append(record)
    return {
        "weather": records,
        "sources": [
            {
                "id": 46567,
                "dwd_station_id": None,
                "observation_type": "forecast",
                "lat": 51.55,
                "lon": 7.09,
                "height": 60.0,
                "station_name": "GELSENKIRCHEN",
                "wmo_station_id": "K4117",
                "first_record": start.isoformat(),
                "last_record": (start + timedelta(days=10)).isoformat(),
                "distance": distance,
            }
        ],
    }


def serve_good_weather(server, *, alerts=True, lat=None) -> None:
    server.answer("/current_weather", current_answer(), lat=lat)
    server.answer("/weather", forecast_answer(), lat=lat)
    server.answer("/alerts", alerts_answer() if alerts else NO_ALERTS, lat=lat)


def age_reports(place: Place, *, minutes: int) -> None:
    """Let the stored data grow old, as if the refresh had stopped `minutes` ago."""
    for report in Report.objects.filter(place=place):
        report.as_of -= timedelta(minutes=minutes)
        report.fetched_at -= timedelta(minutes=minutes)
        report.save()
