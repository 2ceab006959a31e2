"""Translations cannot break a reply, a language is added by adding its catalog, and the
committed catalogs are what a fresh extraction gives: real catalogs, real commands."""

from __future__ import annotations

import logging
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from tests.helpers.harness import (
    ACTIONS,
    ROOT,
    Clock,
    button_data,
    campaign_copy,
    press,
    running_bot,
    say,
)
from tgbot.config import Settings
from tgbot.errors import ConfigError
from tgbot.fakeapi import FakeBotAPI
from tgbot.i18n import loading
from tgbot.i18n.translator import I18n

LOCALES = ROOT / "locales"
LANGUAGE_CODES = sorted(path.parent.parent.name for path in LOCALES.glob("*/LC_MESSAGES/*.po"))
FRENCH_USER = 9101
README = (ROOT / "README.md").read_text(encoding="utf-8")


def pybabel(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Babel's own command line (`pybabel`), run by this interpreter."""
    return subprocess.run([sys.executable, "-c", "from babel.messages.frontend import main; "
                           "main()", *args], cwd=cwd, capture_output=True, text=True,
                          check=True, timeout=120)


def tgbot(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TGBOT_")}
    return subprocess.run([sys.executable, "-m", "tgbot", *args], env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def readme_command(start: str) -> list[str]:
    """The README's command line that starts with `start`, split as the shell would."""
    line = next(line for line in README.splitlines() if line.startswith(start))
    return shlex.split(line.split(" #")[0])[1:]


def load(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def po_file(locales: Path, code: str) -> Path:
    return locales / code / "LC_MESSAGES" / "tgbot.po"


def break_translation(locales: Path, code: str, msgid: str, translated: str) -> int:
    """Replace one translation in a catalog; return the line of its msgid."""
    path = po_file(locales, code)
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(r'(msgid "' + re.escape(msgid) + r'"\nmsgstr )"[^\n]*"')
    assert pattern.search(text), msgid
    path.write_text(pattern.sub(lambda m: m[1] + '"' + translated + '"', text, count=1),
                    encoding="utf-8")
    return text[:pattern.search(text).start()].count("\n") + 1


def translate_as_source(po: Path, code: str, share: float = 1.0) -> None:
    """"Translate" the first `share` of a catalog's messages, each as its English text."""
    catalog = load(po, code)
    messages = [message for message in catalog if message.id]
    for message in messages[:round(share * len(messages))]:
        message.string = message.id if isinstance(message.id, str) else \
            tuple(message.id[min(n, 1)] for n in range(catalog.num_plurals))
    with po.open("wb") as handle:
        write_po(handle, catalog)


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES, copy)
    return copy


# --- a broken translation falls back to English, for that string alone --------------------------


def test_broken_translations_fall_back_to_english_with_one_warning(
        locales: Path, caplog: pytest.LogCaptureFixture) -> None:
    tag_line = break_translation(locales, "fr", "<b>What I can do</b>",
                                 "<b>Ce que je peux faire</i>")
    placeholder_line = break_translation(locales, "fr", "Your Telegram user id: {id}",
                                         "Votre identifiant Telegram : {idd}")
    with caplog.at_level(logging.WARNING, logger="tgbot.i18n"):
        french = I18n(locales).get("fr")
    warnings = [r.getMessage() for r in caplog.records]
    # logged in the catalog's order, which follows the source files' layout: the tag's first
    warnings.sort(key=lambda warning: f":{tag_line}:" not in warning)
    assert len(warnings) == 2, warnings
    assert warnings[0].startswith(f"{po_file(locales, 'fr')}:{tag_line}: HTML tags")
    assert warnings[1].startswith(f"{po_file(locales, 'fr')}:{placeholder_line}: placeholders")
    assert all(w.endswith("English is used for this message instead") for w in warnings)
    assert french.gettext("<b>What I can do</b>") == "<b>What I can do</b>"
    assert french.gettext("Your Telegram user id: {id}") == "Your Telegram user id: {id}"
    assert french.gettext("/today – today's action") == "/today – l’action du jour"


def test_a_catalog_is_compiled_once_and_read_again_only_when_it_changes(
        locales: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """Each start of a `tgbot` command once spent half a second reading nine catalogs."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    line = break_translation(locales, "fr", "<b>What I can do</b>", "<b>Ce que je peux</i>")
    with caplog.at_level(logging.WARNING, logger="tgbot.i18n"):
        first = I18n(locales)
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 1 and warned[0].startswith(f"{po_file(locales, 'fr')}:{line}: ")
    caplog.clear()
    assert len(list((tmp_path / "cache" / "tgbot").glob("catalog-fr-*.json"))) == 1

    def unread(*args: object, **kwargs: object) -> None:
        raise AssertionError("a catalog was parsed again")

    # a new process (no catalog in memory) takes every language from the cache, warnings too
    loading._load.cache_clear()
    monkeypatch.setattr(loading, "read_po", unread)
    with caplog.at_level(logging.WARNING, logger="tgbot.i18n"):
        again = I18n(locales)
    assert [r.getMessage() for r in caplog.records] == warned
    for message in ("<b>What I can do</b>", "/today – today's action"):
        assert again.get("fr").gettext(message) == first.get("fr").gettext(message)
    assert again.languages == first.languages and len(again.languages) == len(LANGUAGE_CODES) + 1
    # an edited catalog is read afresh: never a stale translation
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    break_translation(locales, "fr", "/today – today's action", "/today – l’action d’aujourd’hui")
    assert I18n(locales).get("fr").gettext("/today – today's action") == \
        "/today – l’action d’aujourd’hui"
    # a damaged cache file is read past; a cache folder that cannot be written is no cache
    loading._load.cache_clear()
    for cached in (tmp_path / "cache" / "tgbot").glob("catalog-fr-*.json"):
        cached.write_text('{"mo": "no')
    assert I18n(locales).get("fr").gettext("/today – today's action") == \
        "/today – l’action d’aujourd’hui"
    loading._load.cache_clear()
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    assert I18n(locales).get("fr").gettext("/today – today's action") == \
        "/today – l’action d’aujourd’hui"


async def test_help_in_french_with_a_broken_string_still_answers(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, locales: Path) -> None:
    break_translation(locales, "fr", "<b>What I can do</b>", "<b>Ce que je peux faire</i>")
    fake.add_user(FRENCH_USER, language_code="fr")
    async with running_bot(fake, tmp_path, clock, locales=locales):
        help_reply = await say(fake, FRENCH_USER, "/help")
    assert help_reply["text"].startswith("What I can do\n")
    assert "/today – l’action du jour" in help_reply["text"]
    assert not [c for c in fake.calls if not c.ok], [c.short for c in fake.calls if not c.ok]


# --- a language is added by adding its catalog --------------------------------------------------


@pytest.mark.long
def test_tgbot_catalogs_reports_completeness_and_the_language_of_each_problem(
        locales: Path) -> None:
    pybabel("init", "-i", str(locales / "tgbot.pot"), "-d", str(locales), "-D", "tgbot",
            "-l", "de", cwd=ROOT)
    total = len([m for m in load(locales / "tgbot.pot") if m.id])
    result = tgbot("catalogs", TGBOT_LOCALES=str(locales), TGBOT_CAMPAIGN=str(ACTIONS))
    assert result.returncode == 1
    # a short summary: a line per language, the verdict naming the one with work left
    assert result.stdout == ""
    assert f"de: 0 of {total} translated\n" in result.stderr
    assert f"fr: {total} of {total} translated\n" in result.stderr
    assert f"0 problem(s) and {total} message(s) to translate, in de\n" in result.stderr
    assert len(result.stderr.splitlines()) == len(LANGUAGE_CODES + ["de"]) + 2  # and the hint
    # and each message to translate on request, with its line
    listed = tgbot("catalogs", "--untranslated", TGBOT_LOCALES=str(locales),
                   TGBOT_CAMPAIGN=str(ACTIONS))
    de_po = po_file(locales, "de")
    assert len(listed.stdout.splitlines()) == total
    assert all(line.startswith(f"{de_po}:") and ": not translated: " in line
               for line in listed.stdout.splitlines())
    # Translating is enough: no code edit. (Here every text is "translated" as itself.)
    translate_as_source(de_po, "de")
    done = tgbot("catalogs", TGBOT_LOCALES=str(locales), TGBOT_CAMPAIGN=str(ACTIONS))
    assert done.returncode == 0, done.stdout
    assert f"de: {total} of {total} translated" in done.stderr
    i18n = I18n(locales)
    assert i18n.languages["de"] == "Deutsch"
    assert i18n.negotiate("de-AT") == "de"


async def test_a_new_catalog_appears_in_the_language_menu_and_the_command_menu(
        fake: FakeBotAPI, tmp_path: Path, clock: Clock, locales: Path) -> None:
    for code in ("de", "pt_BR"):
        pybabel("init", "-i", str(locales / "tgbot.pot"), "-d", str(locales), "-D", "tgbot",
                "-l", code, cwd=ROOT)
        translate_as_source(po_file(locales, code), code)
    fake.add_user(FRENCH_USER, language_code="de")
    async with running_bot(fake, tmp_path, clock, locales=locales) as app:
        menu = await say(fake, FRENCH_USER, "/language")
        await press(fake, FRENCH_USER, menu, button_data(menu, "Brasil"))
        assert (await app.bot_data.store.chat(FRENCH_USER)).language == "pt_BR"
    names = [b["text"] for row in menu["reply_markup"]["inline_keyboard"] for b in row]
    assert names == ["English", "Français", "Español", "Português", "Русский", "Українська",
                     "العربية", "فارسی", "Filipino", "Deutsch", "Português (Brasil)"]
    assert FakeBotAPI.commands_key(None, "de") in fake.bot_commands
    assert (app.bot_data.i18n.negotiate("pt-BR"), app.bot_data.i18n.negotiate("pt-PT")) == \
        ("pt_BR", "pt")
    # Telegram's menus take two-letter codes only: pt_BR readers get the default menu.
    assert not [c.short for c in fake.calls if not c.ok]


def test_a_barely_started_catalog_is_offered_once_translated_enough_or_listed(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """5 of 309 strings translated once put every German-speaking user on a half-English bot."""
    locales = tmp_path / "locales"
    template = Catalog()
    for n in range(20):
        template.add(f"Message {n}")
    locales.mkdir()
    with (locales / "tgbot.pot").open("wb") as handle:
        write_po(handle, template)
    for code in ("de", "it"):
        pybabel("init", "-i", str(locales / "tgbot.pot"), "-d", str(locales), "-D", "tgbot",
                "-l", code, cwd=ROOT)
    translate_as_source(po_file(locales, "de"), "de", share=5 / 20)
    translate_as_source(po_file(locales, "it"), "it", share=18 / 20)  # 90 %: enough
    with caplog.at_level(logging.WARNING, logger="tgbot.i18n"):
        i18n = I18n(locales)
    assert list(i18n.languages) == ["en", "it"]
    assert i18n.negotiate("de-DE") == "en"
    assert [r.getMessage() for r in caplog.records] == [
        f"{po_file(locales, 'de')}: 5 of 20 messages translated, under 90%: not offered (list "
        "it in TGBOT_LANGUAGES to offer it anyway)"]
    # TGBOT_LANGUAGES: exactly these (and English), however complete
    listed = Settings.from_env({"TGBOT_LANGUAGES": "de, it", "TGBOT_LOCALES": str(locales)})
    assert list(I18n(listed.locales, listed.languages).languages) == ["en", "de", "it"]
    assert list(I18n(locales, ["de"]).languages) == ["en", "de"]
    with pytest.raises(ConfigError, match="TGBOT_LANGUAGES names fr, with no catalog"):
        I18n(locales, ["de", "fr"])
    translate_as_source(po_file(locales, "de"), "de", share=18 / 20)
    assert list(I18n(locales).languages) == ["en", "de", "it"]


# --- catalogs in step with the code and the campaign --------------------------------------------


def test_stale_and_missing_messages_are_named_with_their_lines(tmp_path: Path,
                                                               locales: Path) -> None:
    po = po_file(locales, "fr")
    po.write_text(po.read_text(encoding="utf-8") + '\nmsgid "A message nobody uses"\n'
                  'msgstr "Un message que personne n\'utilise"\n', encoding="utf-8")
    stale_line = po.read_text(encoding="utf-8").count("\n") - 1
    text = ACTIONS.read_text(encoding="utf-8")
    campaign = campaign_copy(tmp_path, text.replace('title: "', 'title: "Brand new: ', 1))
    new_line = text.split('title: "', 1)[0].count("\n") + 1
    result = tgbot("catalogs", "--lang", "fr", TGBOT_LOCALES=str(locales),
                   TGBOT_CAMPAIGN=str(campaign))
    assert result.returncode == 1
    problems = result.stdout.splitlines()
    assert f"{po}:{stale_line}: stale: 'A message nobody uses' is no longer in the code or the " \
           "campaign (run pybabel extract, then pybabel update; see README, For translators)" \
           in problems
    assert any(p.startswith(f"{campaign}:{new_line}: 'Brand new: ") and
               f"is not in {locales / 'tgbot.pot'}" in p for p in problems), problems
    assert any(p.startswith(f"{po}: missing 'Brand new: ") and
               f"(used at {campaign}:{new_line};" in p for p in problems), problems
    old_title = text.split('title: "', 1)[1].split('"', 1)[0]
    assert any(f": stale: {old_title[:60]!r}" in p and p.startswith(f"{po}:")
               for p in problems), problems
    # `tgbot check` accepts the campaign but warns that the new text is not translated yet.
    check = tgbot("check", str(campaign), TGBOT_LOCALES=str(locales))
    assert check.returncode == 0, check.stderr
    assert check.stderr.splitlines() == [
        f"{campaign}:{new_line}: warning: no translation in fr, es, pt, ru, uk, ar, fa, fil "
        f"for {('Brand new: ' + old_title)[:50]!r} (English is shown; see README, For "
        "translators)"]


def comparable(path: Path) -> tuple[list[str], list[tuple]]:
    """A catalog's header comment and project, and its messages: ids, translations, comments,
    flags. Years and source line numbers are left out: they move with time and every edit."""
    catalog = load(path)
    comment = path.read_text(encoding="utf-8").split('msgid ""')[0].splitlines()
    header = [re.sub(r"\d{4}", "YEAR", line) for line in comment] + [catalog.project]
    return header, sorted(((m.id, m.string, m.auto_comments, sorted(m.flags))
                           for m in catalog if m.id), key=repr)


def test_committed_catalogs_match_a_fresh_extract_with_the_readme_commands(
        tmp_path: Path) -> None:
    for name in ("tgbot", "actions.yaml", "babel.cfg", "locales"):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy
        copy(ROOT / name, tmp_path / name)
    pybabel(*readme_command("pybabel extract"), cwd=tmp_path)
    fresh = comparable(tmp_path / "locales" / "tgbot.pot")
    assert "# Copyright (C) YEAR tgbot contributors" in fresh[0]
    assert fresh[0][-1] == "tgbot"
    assert fresh == comparable(LOCALES / "tgbot.pot"), "run the README's pybabel extract"
    pybabel(*readme_command("pybabel update"), cwd=tmp_path)
    for po in sorted(LOCALES.glob("*/LC_MESSAGES/tgbot.po")):
        refreshed = tmp_path / po.relative_to(ROOT)
        assert comparable(refreshed) == comparable(po), f"run the README's pybabel update: {po}"


def test_extracting_from_a_campaign_with_an_impossible_date_names_the_line(
        tmp_path: Path) -> None:
    shutil.copy(ROOT / "babel.cfg", tmp_path)
    for folder in ("tgbot", "locales"):
        (tmp_path / folder).mkdir()
    text = (ROOT / "actions.yaml").read_text(encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "start_date:" in row)
    (tmp_path / "actions.yaml").write_text(
        re.sub(r"start_date: \S+", "start_date: 2027-11-31", text, count=1), encoding="utf-8")
    with pytest.raises(subprocess.CalledProcessError) as failed:
        pybabel(*readme_command("pybabel extract"), cwd=tmp_path)
    assert "Traceback" not in failed.value.stderr
    assert failed.value.stderr.splitlines()[-1] == (
        f"{tmp_path / 'actions.yaml'}:{line}: '2027-11-31' is not a real date (day is out of "
        "range for month); write an existing day as YYYY-MM-DD (fix it, then extract again; "
        "`tgbot check` checks the file)")
