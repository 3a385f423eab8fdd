import pytest

from weather.models import Place

from .fakes import FakeBrightSky


@pytest.fixture(autouse=True)
def server(settings, tmp_path):
    """A Bright Sky look-alike for every weather test: nothing can reach the real service.

    Short timeouts and backoff keep the failure tests fast.
    """
    fake = FakeBrightSky()
    settings.WEATHER_PROVIDER = "brightsky"
    settings.WEATHER_BASE_URL = fake.url
    settings.WEATHER_TIMEOUT = 0.3
    settings.WEATHER_RETRIES = 1
    settings.WEATHER_RETRY_BACKOFF = 0.01
    settings.WEATHER_MAX_AGE_MINUTES = 90
    settings.WEATHER_MAX_STATION_DISTANCE_KM = 50
    settings.RUN_LOCK_DIR = tmp_path / "locks"  # not shared with other test runs
    yield fake
    fake.stop()


@pytest.fixture
def place(db):
    return Place.objects.create(
        name="Dorsten", slug="dorsten", latitude="51.6604", longitude="6.9650", is_default=True
    )
