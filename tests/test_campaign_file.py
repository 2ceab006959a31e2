"""The campaign file: the real one is valid, and every kind of mistake is named with its line."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tgbot import messages
from tgbot.domain import campaign_file
from tgbot.domain.campaign import PUBLIC_KINDS
from tgbot.domain.campaign_file import LocatedList, LocatedMap, load_campaign, located_yaml
from tgbot.errors import CampaignError
from tgbot.i18n.translator import I18n
from tgbot.messages.actions import post_buttons, post_message
from tgbot.telegram_html import parse_html

ROOT = Path(__file__).resolve().parent.parent
ACTIONS = ROOT / "actions.yaml"


def test_real_campaign_is_valid_and_complete() -> None:
    campaign = load_campaign(ACTIONS)
    assert campaign.edition == 2027
    assert campaign.start_date == dt.date(2027, 11, 1)
    assert campaign.end_date == dt.date(2027, 11, 23)
    assert [a.day for a in campaign.actions] == list(range(1, 24))
    assert {f.command for f in campaign.faq} >= {"about", "why", "involved"}
    for entry in campaign.faq:  # the seed FAQ's own edition, not the UN's 2013 resolution
        assert "2013 campaign" not in entry.answer
        assert "1 November 2013" not in entry.answer


def test_day_and_phase() -> None:
    campaign = load_campaign(ACTIONS)
    assert campaign.day_of(dt.date(2027, 10, 31)) is None
    assert campaign.day_of(dt.date(2027, 11, 1)) == 1
    assert campaign.day_of(dt.date(2027, 11, 23)) == 23
    assert campaign.phase(dt.date(2026, 11, 25)) == "before"
    assert campaign.phase(dt.date(2027, 11, 5)) == "running"
    assert campaign.phase(dt.date(2027, 11, 24)) == "after"


def broken(tmp_path: Path, old: str, new: str) -> list[str]:
    """Load actions.yaml with one change; return the problems reported."""
    text = ACTIONS.read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / "actions.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(CampaignError) as caught:
        load_campaign(path)
    return caught.value.problems


def line_of(text: str) -> int:
    return ACTIONS.read_text(encoding="utf-8").split(text)[0].count("\n") + 1


@pytest.mark.parametrize(("old", "new", "expected"), [
    ('push_time: "09:00"', 'push_time: "9am"', "'push_time' must be a time"),
    ('timezone: "America/Toronto"', 'timezone: "Mars/Olympus"',
     "unknown time zone 'Mars/Olympus'"),
    ('  timezone: "America/Toronto"\n', '  end_date: 2028-01-02\n  timezone: "America/Toronto"\n',
     "must fall within the edition year"),
    ('  timezone: "America/Toronto"\n', '  end_date: 2027-10-30\n  timezone: "America/Toronto"\n',
     "'end_date' (2027-10-30) comes before 'start_date' (2027-11-01)"),
    ('  timezone: "America/Toronto"\n', '  end_date: 2027-12-11\n  timezone: "America/Toronto"\n',
     "has 41 days; the most is 40"),
    ("kind: letter", "kind: poem", "unknown kind 'poem'"),
    ("  - day: 2\n", "  - day: 1\n", "day 1 appears twice"),
    ('    button: "What is the day?"', '    colour: red\n    button: "x"',
     "unknown field 'colour'"),
    ("command: about", "command: About", "command 'About' must be"),
    ('url: "https://cpj.org/data/killed/"', 'url: "http://cpj.org/data/killed/"',
     "'http://cpj.org/data/killed/' is not an https:// URL"),
    ('website: "https://ifex.org/"', 'website: "http://ifex.org/"',
     "'website' must be an https:// URL"),
    ("runs from {start_date}", "runs from {start_day}", "unknown placeholder {start_day}"),
    ('title: "Write to', 'title: "{organiser}: Write to', "unknown placeholder {organiser} in "
     "'title'"),
])
def test_mistakes_are_named_with_file_and_line(tmp_path: Path, old: str, new: str,
                                               expected: str) -> None:
    problems = broken(tmp_path, old, new)
    matching = [p for p in problems if expected in p]
    assert matching, problems
    assert matching[0].startswith(f"{tmp_path / 'actions.yaml'}:{line_of(old)}:")


def test_organiser_placeholder_needs_an_organiser(tmp_path: Path) -> None:
    """Letters name the organiser through {organiser}, so the campaign must say who it is."""
    text = ACTIONS.read_text(encoding="utf-8")
    assert "{organiser}" in text
    problems = [p for p in broken(tmp_path, '  organiser: "IFEX"\n', "") if "{organiser}" in p]
    assert len(problems) == 1, problems
    where, message = problems[0].split(": ", 1)
    assert message == "{organiser} is used, but the 'campaign' section names no 'organiser'"
    # The line of the first use in the campaign's texts (the header comment mentions it too),
    # counted in the file as changed: one line up, since the organiser line is gone.
    line = int(where.rsplit(":", 1)[1])
    first_use = text.index("{organiser}", text.index("\nfaq:"))
    assert line == text[:first_use].count("\n") + 1 - 1


def test_invalid_html_is_reported_with_telegrams_own_message(tmp_path: Path) -> None:
    body_start = "    body: |\n      "
    problems = broken(tmp_path, body_start, body_start + "Read this<br> ")
    assert any('Unsupported start tag "br"' in p for p in problems), problems


def test_text_over_the_limit(tmp_path: Path) -> None:
    problems = broken(tmp_path, 'title: "', 'title: "' + "x" * 100)
    assert any("characters; the limit is 80" in p for p in problems), problems


def test_a_campaign_without_end_date_is_as_long_as_its_actions(tmp_path: Path) -> None:
    text = ACTIONS.read_text(encoding="utf-8")
    path = tmp_path / "actions.yaml"
    path.write_text(text[:text.index("  - day: 23\n")], encoding="utf-8")
    shutil.copytree(ACTIONS.parent / "images", tmp_path / "images")
    campaign = load_campaign(path)
    assert (campaign.days, campaign.end_date) == (22, dt.date(2027, 11, 22))


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "actions.yaml"
    path.write_text("campaign:\n  name: [unclosed\n", encoding="utf-8")
    with pytest.raises(CampaignError) as caught:
        load_campaign(path)
    assert caught.value.problems[0].startswith(f"{path}:")
    assert "YAML syntax error" in caught.value.problems[0]


def test_every_text_is_valid_telegram_html() -> None:
    campaign = load_campaign(ACTIONS)
    for action in campaign.actions:
        parse_html(action.body)


def test_check_command(tmp_path: Path) -> None:
    ok = subprocess.run([sys.executable, "-m", "tgbot", "check", str(ACTIONS)],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "OK" in ok.stdout
    bad = tmp_path / "actions.yaml"
    bad.write_text(ACTIONS.read_text(encoding="utf-8").replace('push_time: "09:00"',
                                                               'push_time: "25:00"'))
    result = subprocess.run([sys.executable, "-m", "tgbot", "check", str(bad)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert f"{bad}:{line_of('push_time')}: 'push_time' must be a time" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_key_given_twice_is_named_not_silently_overwritten(tmp_path: Path) -> None:
    problems = broken(tmp_path, "start_date: 2027-11-01\n",
                      "start_date: 2027-11-01\n  start_date: 2027-11-02\n")
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{tmp_path / 'actions.yaml'}:{line_of('start_date:') + 1}:")
    assert "'start_date' is given twice" in problems[0]
    assert f"first at line {line_of('start_date:')}" in problems[0]


def test_a_plain_less_than_sign_gets_the_entity_to_write(tmp_path: Path) -> None:
    body_start = "    body: |\n      "
    problems = broken(tmp_path, body_start, body_start + "Thank you! 5 < 6 & 7 > 3 ")
    assert any("write a plain <, > or & as &lt;, &gt; or &amp;" in p for p in problems), problems


def test_a_placeholder_with_a_space_is_one_problem_with_a_suggestion(tmp_path: Path) -> None:
    problems = [p for p in broken(tmp_path, "actions with {hashtag}.", "actions with {hashtag }.")
                if "hashtag" in p]
    assert len(problems) == 1, problems
    assert "'{hashtag }' is not a placeholder; did you mean {hashtag}?" in problems[0]


def test_a_link_inside_a_text_must_be_https(tmp_path: Path) -> None:
    body_start = "    body: |\n      "
    problems = broken(tmp_path, body_start,
                      body_start + '<a href="http://ifex.org/donate/">Donate</a> ')
    assert any("links to 'http://ifex.org/donate/'; links must be https:// URLs" in p
               for p in problems), problems


def test_every_day_shows_the_safety_line_and_every_public_day_a_safer_way() -> None:
    """Learning days too: "Do only what is safe where you live" is on all 23 days."""
    campaign = load_campaign(ACTIONS)
    english = I18n(ROOT / "locales").get("en")
    for action in campaign.actions:
        text = messages.action_message(english, campaign, action, bot_username="b").text
        assert english.gettext(messages.SAFETY_LINE) in text, f"day {action.day}"
        assert action.safer or action.kind not in PUBLIC_KINDS, f"day {action.day}"
    assert {a.day for a in campaign.actions if a.kind not in PUBLIC_KINDS} == {3, 8, 22}


def test_a_public_day_without_a_safer_way_is_named(tmp_path: Path) -> None:
    safer = ('    safer: "Post without your name, or send your message of solidarity privately '
             'to a family or a group you know."\n')
    problems = [p for p in broken(tmp_path, safer, "") if "image" not in p]
    assert problems == [f"{tmp_path / 'actions.yaml'}:{line_of('  - day: 12')}: action at line "
                        f"{line_of('  - day: 12')}: a share day asks for something public, so "
                        "it needs a 'safer' way for people for whom that is dangerous"]


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("Join me: {website}", "Join me: https://ifex.org/",
     "the tweet of day 4 writes the website: write {website}"),
    ("More at {website}", "More at https://ifex.org",
     "the answer of a faq answer writes the website"),
    ("[Optional: I am taking part in {organiser}'s", "[Optional: I am taking part in IFEX's",
     "the text of the letter of day 1 names IFEX: write {organiser}"),
    ("You can also post the message below.", "You can also post the message below. IFEX thanks "
     "you.", "the body of day 4 names IFEX: write {organiser}"),
    ("UN and UNESCO: urge", "@UN @UNESCO: urge", "names @UN, which works only on X"),
    ('x_accounts: "@UN @UNESCO"', 'x_accounts: "UN, UNESCO"', "'x_accounts' in action at line"),
])
def test_written_out_settings_and_x_accounts_are_named(tmp_path: Path, old: str, new: str,
                                                      expected: str) -> None:
    """{website} and {organiser} instead of their values; @accounts only in x_accounts."""
    problems = broken(tmp_path, old, new)
    matching = [p for p in problems if expected in p]
    assert len(matching) == 1, problems
    assert matching[0].startswith(f"{tmp_path / 'actions.yaml'}:{line_of(old)}:")


def test_faq_answers_may_tell_the_organisers_history() -> None:
    """IFEX first marked 23 November: a fact about IFEX, whoever runs the campaign."""
    campaign = load_campaign(ACTIONS)
    history = next(f for f in campaign.faq if f.id == "history")
    assert "IFEX first marked 23 November" in history.answer
    for action in campaign.actions:
        texts = [action.body, action.tweet or "", action.safer or "",
                 action.letter.text if action.letter else ""]
        assert not any(campaign.organiser in t or "ifex.org" in t for t in texts), action.day


def test_x_accounts_reach_only_the_x_composer() -> None:
    """Telegram's share sheet and the copied post carry no @account; X's composer does."""
    campaign = load_campaign(ACTIONS)
    english = I18n(ROOT / "locales").get("en")
    day2 = campaign.action_for_day(2)
    assert day2 is not None and day2.x_accounts == "@UN @UNESCO"
    telegram, x = post_buttons(english, campaign, day2, bot_username="b",
                                        copy=False)[0]
    assert "%40UN%20%40UNESCO" in str(x.url)
    assert "%40" not in str(telegram.url)
    assert "@" not in post_message(english, campaign, day2).text


@pytest.mark.parametrize(("end", "expected"), [
    ("2027-11-24", "no action for day 24 (the campaign has 24 days, from start_date to "
                   "end_date)"),
    ("2027-11-22", "'day' must be a number from 1 to 22 (the campaign has 22 days)"),
])
def test_the_days_between_the_dates_each_need_one_action(tmp_path: Path, end: str,
                                                          expected: str) -> None:
    problems = broken(tmp_path, "  start_date: 2027-11-01\n",
                      f"  start_date: 2027-11-01\n  end_date: {end}\n")
    assert any(expected in p for p in problems), problems


def test_without_end_date_the_campaign_ends_on_its_last_actions_day(tmp_path: Path) -> None:
    """Moving start_date alone moves the whole campaign, as long as before."""
    text = ACTIONS.read_text(encoding="utf-8")
    assert "end_date:" not in text.split("faq:")[0]
    path = tmp_path / "actions.yaml"
    path.write_text(text.replace("start_date: 2027-11-01", "start_date: 2027-03-10", 1),
                    encoding="utf-8")
    shutil.copytree(ACTIONS.parent / "images", tmp_path / "images")
    campaign = load_campaign(path)
    assert (campaign.start_date, campaign.end_date, campaign.days) == \
        (dt.date(2027, 3, 10), dt.date(2027, 4, 1), 23)


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("start_date: 2027-11-01", "start_date: 2027-12-20",
     "the campaign (2027-12-20 to 2028-01-11, 23 days) must fall within the edition year 2027"),
    ("  - day: 23\n", "  - day: 24\n",
     "no action for day 23 (the campaign has 24 days, one per day up to its last action's)"),
])
def test_without_end_date_the_last_action_sets_the_length(tmp_path: Path, old: str, new: str,
                                                          expected: str) -> None:
    problems = broken(tmp_path, old, new)
    assert any(expected in p for p in problems), problems


def _with_places(value: object) -> object:
    """A located YAML value with every line and span it carries, to compare two readings."""
    if isinstance(value, LocatedMap):
        return (value.line, value.key_lines, value.spans,
                {key: _with_places(item) for key, item in value.items()})
    if isinstance(value, LocatedList):
        return (value.line, value.item_lines, [_with_places(item) for item in value])
    return value


def test_libyaml_reads_the_campaign_with_the_lines_and_spans_of_pyyamls_own_parser(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # the real file has Arabic, Persian and Cyrillic: character offsets, not bytes
    source = ACTIONS.read_text(encoding="utf-8")
    assert campaign_file._FAST_LOADER is yaml.CSafeLoader  # CI's PyYAML has libyaml
    fast = _with_places(located_yaml(source))
    monkeypatch.setattr(campaign_file, "_FAST_LOADER", yaml.SafeLoader)
    assert fast == _with_places(located_yaml(source))


def test_a_yaml_syntax_error_is_worded_by_pyyamls_own_parser(tmp_path: Path) -> None:
    broken = tmp_path / "actions.yaml"
    broken.write_text(ACTIONS.read_text(encoding="utf-8").replace("campaign:", "campaign: [", 1),
                      encoding="utf-8")
    with pytest.raises(CampaignError) as raised:
        load_campaign(broken)
    with pytest.raises(yaml.YAMLError) as pyyaml:
        yaml.compose(broken.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    assert str(pyyaml.value.problem) in str(raised.value)
