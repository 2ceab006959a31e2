"""Time zones for /settings: the zones offered as buttons, and reading what people type.

The zones are offered by region, one is suggested from the language, and people may type
instead (`21:30`, `Asia/Manila`, a city such as `Lagos`).
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo

from babel.dates import get_timezone_location

from tgbot.domain.faq import words
from tgbot.domain.translatable import N_

# Cities people in the campaign's networks live in; one per common offset at least.
REGIONS: list[tuple[str, list[str]]] = [
    (N_("Africa"), ["Africa/Lagos", "Africa/Cairo", "Africa/Nairobi", "Africa/Johannesburg",
                    "Africa/Dakar", "Africa/Kinshasa"]),
    (N_("Americas"), ["America/Toronto", "America/New_York", "America/Chicago",
                      "America/Mexico_City", "America/Bogota", "America/Lima",
                      "America/Sao_Paulo", "America/Buenos_Aires",
                      "America/Los_Angeles"]),
    (N_("Asia"), ["Asia/Manila", "Asia/Jakarta", "Asia/Bangkok", "Asia/Hong_Kong",
                  "Asia/Tokyo", "Asia/Kolkata", "Asia/Dhaka", "Asia/Karachi", "Asia/Kabul",
                  "Asia/Tehran", "Asia/Dubai", "Asia/Beirut", "Asia/Baghdad"]),
    (N_("Europe"), ["Europe/London", "Europe/Paris", "Europe/Madrid", "Europe/Lisbon",
                    "Europe/Kyiv", "Europe/Moscow", "Europe/Istanbul", "Europe/Berlin"]),
    (N_("Oceania"), ["Australia/Sydney", "Pacific/Auckland", "Pacific/Port_Moresby"]),
    (N_("UTC"), ["UTC"]),
]
ZONES: list[str] = [zone for _, zones in REGIONS for zone in zones]
REGION_ZONES: dict[str, list[str]] = dict(REGIONS)  # a region's zones, by its (English) name
PUSH_TIMES = ("07:00", "08:00", "09:00", "12:00", "18:00", "20:00")

# Languages spoken mostly in one time zone: their speakers are offered it in one tap. Others
# (English, French, Arabic, ...) span many zones, so they get the list.
SUGGESTED_ZONES = {"fil": "Asia/Manila", "uk": "Europe/Kyiv", "fa": "Asia/Tehran"}
_TIME = re.compile(r"([01]?\d|2[0-3])\s*[:.hH]\s*([0-5]\d)")
# How alike a typed city must be to a known one (difflib ratio): "Manilla", "Lagso".
CITY_SIMILARITY = 0.8
# Longer than any zone or city name (the longest are about 30 characters): not read further.
MAX_PLACE_CHARS = 64


def parse_time(text: str) -> str | None:
    """A time of day as people type it ("21:30", "9.05", "7h00") as HH:MM, else None."""
    match = _TIME.fullmatch(text.strip())
    return f"{int(match[1]):02d}:{match[2]}" if match else None


def find_zone(text: str, language: str) -> str | None:
    """The IANA zone someone means, or None.

    A zone name in any case ("asia/manila"), or a city in English or in their language
    ("Lagos", "Manille", "Київ"), a small typo allowed. Text too long to be a place is not
    looked at.
    """
    typed = text.strip()
    if len(typed) > MAX_PLACE_CHARS:
        return None
    exact = _zones_by_folded_name().get(typed.replace(" ", "_").casefold())
    if exact:
        return exact
    return _city(" ".join(words(typed)), language)


@functools.lru_cache(maxsize=4096)
def _city(key: str, language: str) -> str | None:
    """The zone of the city `key` (typed words) in English or `language`, a small typo allowed."""
    cities = _cities(language)
    if key in cities:
        return cities[key]
    close = difflib.get_close_matches(key, cities, n=1, cutoff=CITY_SIMILARITY) if key else []
    return cities[close[0]] if close else None


@functools.cache
def _all_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@functools.cache
def _zones_by_folded_name() -> dict[str, str]:
    return {zone.casefold(): zone for zone in _all_zones()}


@functools.cache
def _cities(language: str) -> dict[str, str]:
    """Each zone's city, in English and in `language`, as typed words -> the zone.

    Names from the zone database come first, so "Kyiv" is Europe/Kyiv rather than its old
    alias.
    """
    zones = [zone for zone in sorted(_all_zones()) if zone.rpartition("/")[0] not in
             ("", "Etc", "SystemV", "US", "Canada", "Brazil", "Mexico", "Chile")]
    cities: dict[str, str] = {}
    for zone in zones:
        cities.setdefault(" ".join(words(zone.rpartition("/")[2].replace("_", " "))), zone)
    for zone in zones:
        name = get_timezone_location(zone, locale=language, return_city=True)
        cities.setdefault(" ".join(words(name)), zone)
    return cities
