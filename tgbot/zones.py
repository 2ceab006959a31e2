"""The time zones offered by /settings, by region: buttons, never typed zone names."""

from __future__ import annotations

from tgbot.i18n import N_

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
PUSH_TIMES = ("07:00", "08:00", "09:00", "12:00", "18:00", "20:00")
