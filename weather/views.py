from django.http import Http404
from django.shortcuts import redirect, render

from newsroom.caching import WEATHER, cache_tags

from .models import Place, PlaceWeather


@cache_tags(WEATHER)
def place_detail(request, slug=None):
    """A place's weather page: /wetter/ for the default place, /wetter/<slug>/ for others.

    Reads only what `refresh_weather` stored (two queries); never asks the weather service.
    """
    places = list(Place.objects.all())
    if slug is None:
        place = next((p for p in places if p.is_default), None)
    else:
        place = next((p for p in places if p.slug == slug), None)
        if place is not None and place.is_default:
            return redirect("weather:default")
    if place is None:
        raise Http404
    return render(
        request,
        "weather/place.html",
        {
            "place": place,
            "weather": PlaceWeather(place, place.reports.all()),
            "other_places": [p for p in places if p != place],
        },
    )
