"""Demo data for `manage.py load_demo` (idempotent)."""

from .demo_client import DemoProvider
from .models import Place
from .services import place_make_default, weather_refresh


def load(*, stdout) -> None:
    """The invented town Lindenau as default place, filled by the offline demo provider.

    The data is fresh for WEATHER_MAX_AGE_MINUTES; `make run` keeps it fresh by running
    `refresh_weather` with WEATHER_PROVIDER=demo in the background.
    """
    place, created = Place.objects.get_or_create(
        slug="lindenau",
        defaults={"name": "Lindenau", "latitude": "51.6600", "longitude": "6.9600"},
    )
    if not Place.objects.filter(is_default=True).exists():
        place_make_default(place=place)
    result = weather_refresh(place=place, provider=DemoProvider())
    stdout.write(
        f"Weather: {'created' if created else 'kept'} place {place.name}, "
        f"demo data stored ({', '.join(result.updated)})."
    )
