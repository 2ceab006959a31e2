"""Every reply the bot sends beside the campaign's days, rendered with sample data.

`tgbot preview` shows them after the days, and the limit tests check them in every
language, without a bot. Adding a reply to `tgbot.messages` means adding it here, so
reviewers see it and the tests hold it to Telegram's limits.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace

from telegram.constants import CallbackQueryLimit

from tgbot.domain import commands
from tgbot.domain.campaign import CAPTION_LIMIT, MESSAGE_LIMIT, Campaign
from tgbot.domain.chat import Chat
from tgbot.domain.deletions import DeletionState
from tgbot.domain.outbox import Kind
from tgbot.domain.outcomes import Outcome, OutcomeCounts
from tgbot.domain.partners import PartnerFigures
from tgbot.domain.progress import progress
from tgbot.domain.recall import Preview, Report, Target
from tgbot.domain.stats import LastPush, Stats
from tgbot.domain.zones import REGIONS
from tgbot.i18n.translator import Translator
from tgbot.messages import (
    actions,
    common,
    discreet,
    errors,
    faq,
    flood,
    groups,
    inline,
    language,
    organisers,
    privacy,
    push_settings,
    reminders,
    start,
    subscription,
)

TOAST_LIMIT = CallbackQueryLimit.ANSWER_CALLBACK_QUERY_TEXT_LENGTH  # a press's toast


@dataclass(frozen=True)
class Sample:
    """One reply as a person would get it, and the limit Telegram holds its text to."""

    label: str
    reply: common.Reply
    limit: int


def _sample_stats() -> Stats:
    """Figures of a busy campaign: every line of /stats, the paid push and a recall included."""
    return Stats(subscribers=Counter(private=1200, group=30, supergroup=12, channel=4),
                 by_language=Counter(en=700, fr=300, ar=246), new_this_week=85,
                 lost_this_week=7, sources={"share": 310, "inline": 95, "day5": 20},
                 per_action=Counter({1: 800, 2: 640, 3: 512}),
                 last_push=LastPush(3, {"sent": 1180, "pending": 4, "expired": 2,
                                        "failed": 1, "gone": 9, "withdrawn": 31, "paid": 40}))


def _sample_recall() -> tuple[Preview, Report]:
    """A recall of a day in every language: its preview, and its report once finished."""
    codes = ("ar", "en", "es", "fa", "fil", "fr", "pt", "ru", "uk")
    preview = Preview(Counter(dict.fromkeys(codes, 12345)), Counter(dict.fromkeys(codes, 678)),
                      4321, False)
    outcomes = Counter[str]({DeletionState.DELETED: 12340, DeletionState.TOO_OLD: 678,
                             DeletionState.GONE: 5})
    return preview, Report(1, 1, 1, "en", {code: outcomes.copy() for code in codes})


def _sample_outcomes() -> OutcomeCounts:
    """Answers on every day in every language: the longest /stats answers can be."""
    counts = OutcomeCounts()
    for day in range(1, 24):
        for code in ("ar", "en", "es", "fa", "fil", "fr", "pt", "ru", "uk"):
            for outcome, count in ((Outcome.DONE, 12345), (Outcome.SAFER, 3),
                                   (Outcome.NOT_SAFE, 1234)):
                counts.add(day, code, outcome, count)
    return counts


def _sample_partners() -> dict[str, PartnerFigures]:
    """Two partners, one with small counts, every campaign day for one."""
    return {"cpj": PartnerFigures(started=120, subscribed=97,
                                  per_day=Counter({day: 60 - day for day in range(1, 24)})),
            "rsf": PartnerFigures(started=6, subscribed=4, per_day=Counter({1: 3, 2: 1}))}


def samples(t: Translator, campaign: Campaign, languages: dict[str, str],
            bot_username: str) -> Iterator[Sample]:
    """The replies outside the campaign's days, in one language.

    `languages` maps each code to the language's own name, as the /language menu shows them.
    """
    def message(label: str, reply: common.Reply) -> Sample:
        return Sample(label, reply, CAPTION_LIMIT if reply.photo else MESSAGE_LIMIT)

    def toast(label: str, text: str) -> Sample:
        return Sample(label, common.Reply(text), TOAST_LIMIT)

    first = campaign.actions[0]
    zone = common.zone_name(t, campaign.timezone)
    chat = Chat(chat_id=1, kind="private", language=t.code, subscribed=True, push_time="21:30",
                timezone=campaign.timezone, thread_id=None)
    done = {a.id for a in campaign.actions[:5]}
    yield message("/start", start.welcome(t, campaign, False))
    yield message("/help", start.help_text(t, campaign))
    yield message("/faq", faq.faq_menu(t, campaign))
    yield message("a question not understood", faq.no_match(t, campaign))
    yield message("a question in a group", faq.ask_in_private(t, bot_username))
    for command in commands.ASKED:
        yield message(f"a question about /{command.name}", faq.command_answer(t, command))
    yield message("/today before the campaign",
                  actions.countdown(t, campaign, campaign.start_date - dt.timedelta(days=22)))
    yield message("/today after the campaign", actions.campaign_over(t, campaign, 21))
    yield message("/actions", actions.actions_list(t, campaign, done, 12))
    yield message("/action N before its day", actions.day_not_open(t, campaign, campaign.days))
    yield message("/action without a day", actions.action_usage(t, campaign))
    yield message("/progress", actions.progress_message(
        t, campaign, progress(campaign, done, campaign.date_of(7)), everyone=4321))
    if first.tweet:
        yield message("📋 Copy the post", actions.post_message(t, campaign, first))
    yield message("the evening reminder", reminders.reminder(t, campaign, first,
                                                             bot_username=bot_username))
    yield message("/remind 21:00", reminders.reminder_set(t, "21:00", zone))
    yield message("/remind off", reminders.reminder_off(t, "21:00", zone))
    yield message("/remind off without a reminder", reminders.reminder_off(t, None, zone))
    yield message("/remind without a time", reminders.reminder_usage(t, "21:00", zone))
    yield message("/remind in a group", reminders.reminders_are_private(t))
    yield message("/language", language.language_menu(t, languages))
    yield message("/subscribe", subscription.subscribed(t, campaign, None, changed=True,
                                                        offer_zones=True))
    yield message("/subscribe again", subscription.subscribed(t, campaign, chat, changed=False,
                                                              offer_zones=False))
    yield message("/unsubscribe", subscription.unsubscribed(t, True))
    yield message("/unsubscribe again", subscription.unsubscribed(t, False))
    yield message("/subscribe @unknown", subscription.channel_not_found(t))
    yield message("/subscribe @group", subscription.not_a_channel(t))
    yield message("/subscribe @channel, not admins", subscription.channel_admins_only(t))
    yield message("/subscribe @channel", subscription.channel_subscribed(t, "IFEX"))
    yield message("/settings", push_settings.settings_menu(t, campaign, chat, "21:00", 24))
    yield message("/settings without a reminder",
                  push_settings.settings_menu(t, campaign, chat, None, 24))
    yield message("/settings, discreet", push_settings.settings_menu(
        t, campaign, replace(chat, discreet=True), "21:00", 47))
    yield message("discreet mode on, no auto-delete timer", discreet.auto_delete_hint(t))
    for kind in Kind:
        yield message(f"a discreet {kind}", discreet.neutral(
            t, reminders.reminder(t, campaign, first, bot_username=bot_username), kind))
    for number, (_, zones) in enumerate(REGIONS, start=1):
        yield message(f"/settings, region {number}", push_settings.zone_menu(t, zones))
    yield message("/settings Atlantis", push_settings.unknown_setting(t))
    yield message("/settings 21:30", push_settings.setting_saved(t, campaign, chat))
    yield message("/mydata", privacy.my_data(
        t, campaign, 1, {"chat": chat, "reminder": "21:00",
                         "completions": [(campaign.edition, a.id, "2027-11-02", a.day == 1)
                                         for a in campaign.actions[:5]],
                         "not_safe": [(campaign.edition, campaign.actions[9].id,
                                       "2027-11-10")],
                         "group_presses": [(campaign.edition, 3, -100)], "deliveries": 12,
                         "announcements": 1, "partner": "cpj", "kept_messages": 3}, languages,
                        retention_days=30))
    yield message("/forget", privacy.forget_question(t))
    yield message("/forget confirmed", privacy.forgotten(t, 0, 0))
    yield message("/forget confirmed, messages deleted", privacy.forgotten(t, 21, 4))
    yield message("/mydata in a group", privacy.data_in_private(t, bot_username))
    yield message("added to a group", groups.group_greeting(t))
    yield message("added to a channel", groups.channel_greeting(t))
    yield message("/stats", organisers.stats_with_partners(t, campaign, _sample_stats(),
                                                           _sample_partners()))
    yield message("/stats for a partner", organisers.partner_stats(
        t, campaign, {"cpj": _sample_partners()["cpj"]}))
    yield message("/stats: how did it go", organisers.outcomes_message(t, _sample_outcomes()))
    yield message("/announce without a text", organisers.announce_usage(t))
    yield message("/announce", organisers.announce_question(t, 1, 1234, dt.timedelta(hours=12)))
    yield message("announcement cancelled", organisers.announcement_cancelled(t))
    yield message("announcement pressed twice", organisers.announcement_gone(t))
    yield message("a correction to approve", organisers.correction_approval_request(
        t, 1, 5, Counter({"en": 1200, "fr": 340, "ar": 90})))
    yield message("approval pressed late", organisers.approval_gone(t))
    preview, report = _sample_recall()
    yield message("/recall without a day", organisers.recall_usage(t))
    yield message("/recall 5", organisers.recall_question(t, Target.of_day(2027, 5), preview))
    yield message("/recall on an announcement", organisers.recall_question(
        t, Target.of_announcement(12), preview))
    yield message("a recall to approve", organisers.recall_approval_request(
        t, 3, Target.of_day(2027, 5), preview))
    yield message("/recall of nothing", organisers.recall_nothing(t))
    yield message("/recall again", organisers.recall_already(t))
    yield message("recall cancelled", organisers.recall_cancelled(t))
    yield message("recall finished", common.Reply(organisers.recall_progress(t, report, 4321)))
    copies = Counter({"en": 1200, "fr": 340, "ar": 90})
    yield message("/correct on an announcement", organisers.correct_announcement_question(
        t, 1, copies))
    yield message("an announcement's correction to approve",
                  organisers.announcement_correction_approval_request(t, 1, copies))
    yield message("/correct with a text, not as a reply", organisers.correct_announcement_usage(t))
    yield message("/correct on another message", organisers.correct_not_announcement(t))
    yield message("/correct on an announcement never sent", organisers.correct_never_sent(t))
    yield message("/correct with the same text", organisers.correct_announcement_nothing(t))
    yield message("announcement sending", common.Reply(
        organisers.announcement_progress(t, 1200, 1246, True)))
    yield message("/reload", organisers.reload_result(t, []))
    yield message("/reload refused", organisers.reload_result(t, ["actions.yaml:3: a problem"]))
    yield message("a failure", common.Reply(errors.apology(t)))
    yield message("a flood", common.Reply(flood.flood_notice(t)))
    for card in inline.inline_cards(t, campaign, campaign.start_date, first, taken=321,
                                    bot_username=bot_username):
        yield message(f"inline card: {card.id}", card.reply)
    yield toast("an old button", common.stale_button(t))
    yield toast("a member's press in a group", common.admins_only(t))
    yield toast("a reader's press in a channel", common.admins_only(t, "channel"))
    yield toast("I did it, before the day", actions.not_open_yet(t))
    yield toast("I did it", actions.completion_toast(t, Outcome.DONE, 5))
    yield toast("I did the safer version", actions.completion_toast(t, Outcome.SAFER, 5))
    yield toast("Not safe where I live", actions.completion_toast(t, Outcome.NOT_SAFE, 4))
    yield toast("Undo", actions.completion_toast(t, None, 4))
    yield toast("a language chosen", language.language_saved(t))
    yield toast("a time chosen", push_settings.saved(t))
