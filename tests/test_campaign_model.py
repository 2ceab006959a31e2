"""The campaign model: the last day reached on a date, and the one list of placeholders."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tgbot.domain.campaign_file import load_campaign
from tgbot.errors import CampaignError

ROOT = Path(__file__).resolve().parent.parent
ACTIONS = ROOT / "actions.yaml"
CAMPAIGN = load_campaign(ACTIONS)


@pytest.mark.parametrize(("date", "reached"), [
    (dt.date(2026, 11, 25), 0),  # the year before
    (dt.date(2027, 10, 31), 0),  # the eve of day 1
    (dt.date(2027, 11, 1), 1),
    (dt.date(2027, 11, 5), 5),
    (dt.date(2027, 11, 23), 23),
    (dt.date(2027, 11, 24), 23),  # over: every day stays open
    (dt.date(2028, 3, 1), 23),
])
def test_reached_is_the_last_day_open_on_a_date(date: dt.date, reached: int) -> None:
    assert CAMPAIGN.reached(date) == reached


def test_reached_agrees_with_day_of_and_phase() -> None:
    for offset in range(-3, CAMPAIGN.days + 3):
        date = CAMPAIGN.start_date + dt.timedelta(days=offset)
        expected = (CAMPAIGN.days if CAMPAIGN.phase(date) == "after"
                    else CAMPAIGN.day_of(date) or 0)
        assert CAMPAIGN.reached(date) == expected, date


def test_placeholders_are_the_campaigns_raw_values() -> None:
    assert CAMPAIGN.placeholders() == {
        "edition": 2027, "start_date": dt.date(2027, 11, 1), "end_date": dt.date(2027, 11, 23),
        "website": "https://ifex.org/", "hashtag": "#NoImpunity", "organiser": "IFEX"}


def with_body_start(tmp_path: Path, text: str) -> Path:
    """actions.yaml with `text` at the start of the first action's body (and its images)."""
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "images").symlink_to(ROOT / "images")
    body_start = "    body: |\n      "
    path = tmp_path / "actions.yaml"
    path.write_text(ACTIONS.read_text(encoding="utf-8").replace(body_start, body_start + text, 1),
                    encoding="utf-8")
    return path


def test_the_checker_accepts_exactly_the_models_placeholders(tmp_path: Path) -> None:
    every = " ".join("{" + name + "}" for name in CAMPAIGN.placeholders())
    assert load_campaign(with_body_start(tmp_path, every + " ")).actions[0].body.startswith(every)
    with pytest.raises(CampaignError) as caught:
        load_campaign(with_body_start(tmp_path / "misspelt", "{year} "))
    known = ", ".join("{" + name + "}" for name in CAMPAIGN.placeholders())
    assert any(f"known: {known})" in p for p in caught.value.problems), caught.value.problems
