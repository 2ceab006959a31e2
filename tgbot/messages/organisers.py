"""What organisers read: /stats, /announce's and /correct's previews and progress, /reload."""

from __future__ import annotations

import datetime as dt
import html
from collections import Counter

from tgbot.domain.campaign import Campaign
from tgbot.domain.outbox import State
from tgbot.domain.stats import Stats, stars_spent
from tgbot.i18n.translator import Translator
from tgbot.messages import callbacks
from tgbot.messages.common import Reply, button, fill


def stats_message(t: Translator, campaign: Campaign, figures: Stats) -> Reply:
    """/stats: subscribers, the week's changes, languages, sources, completions, last push."""
    lines = [fill(t.gettext("📊 <b>{name} {edition}</b>"),
                  {"name": html.escape(t.gettext(campaign.name)),
                   "edition": str(campaign.edition)}),
             fill(t.gettext("Subscribers: {total} (private {private}, groups {groups}, "
                            "channels {channels})"),
                  {"total": t.number(figures.total_subscribers),
                   "private": t.number(figures.subscribers["private"]),
                   "groups": t.number(figures.subscribers["group"]
                                      + figures.subscribers["supergroup"]),
                   "channels": t.number(figures.subscribers["channel"])}),
             fill(t.gettext("This week: {new} new, {lost} lost"),
                  {"new": t.number(figures.new_this_week),
                   "lost": t.number(figures.lost_this_week)}),
             t.gettext("By language:") + " " + ", ".join(
                 f"{code} {count}" for code, count in sorted(figures.by_language.items())),
             t.gettext("Starts by source:") + " " + (", ".join(
                 f"{html.escape(s)} {n}" for s, n in figures.sources.items()) or "–"),
             t.gettext("Completions per day:") + " " + (", ".join(
                 f"{day}: {n}" for day, n in sorted(figures.per_action.items())) or "–")]
    if figures.last_push:
        day, states = figures.last_push
        lines.append(fill(t.gettext("Last push (day {day}): sent {sent}, pending {pending}, "
                                    "expired {expired}, failed {failed}, blocked {gone}"),
                          {"day": str(day), "sent": t.number(states.get(State.SENT, 0)),
                           "pending": t.number(states.get(State.PENDING, 0)
                                               + states.get(State.SENDING, 0)),
                           "expired": t.number(states.get(State.EXPIRED, 0)),
                           "failed": t.number(states.get(State.FAILED, 0)),
                           "gone": t.number(states.get(State.GONE, 0))}))
        if states.get("paid"):
            lines.append(fill(t.gettext("Stars spent on the last push: {stars}"),
                              {"stars": t.number(stars_spent(states))}))
    return Reply("\n".join(lines))


def announce_usage(t: Translator) -> Reply:
    """/announce without a text: how to write one, and how to reach one language only."""
    return Reply(t.gettext(
        "Write the announcement after the command: /announce Your text. To reach only "
        "one language, start with its code: /announce fr Votre texte."))


def announce_nobody(t: Translator, language: str | None) -> Reply:
    """/announce that would reach no chat: said at once, with nothing to send or cancel."""
    if language is None:
        return Reply(t.gettext("No chat is subscribed yet: this announcement would reach "
                               "nobody, so there is nothing to send."))
    return Reply(fill(t.gettext("No subscribed chat reads {language}: this announcement would "
                                "reach nobody, so there is nothing to send."),
                      {"language": t.language_name(language)}))


def announce_question(t: Translator, announcement: int, audience: int,
                      lasts: dt.timedelta, language: str | None = None) -> Reply:
    """Under the preview: how many chats it reaches, how long it is worth sending, Send/Cancel.

    An announcement to one `language` names it.
    """
    if language is None:
        reach = fill(t.ngettext("☝️ This goes to {count} subscribed chat. Send it?",
                                "☝️ This goes to {count} subscribed chats. Send it?", audience),
                     {"count": t.number(audience)})
    else:
        reach = fill(t.ngettext("☝️ This goes to {count} subscribed chat in {language}. "
                                "Send it?",
                                "☝️ This goes to {count} subscribed chats in {language}. "
                                "Send it?", audience),
                     {"count": t.number(audience), "language": t.language_name(language)})
    return Reply(
        reach + "\n"
        + fill(t.gettext("⏳ Chats it has not reached within {duration} will not get it."),
               {"duration": t.duration(lasts)}),
        [[button(t.gettext("📣 Send"), callbacks.ANNOUNCE_SEND, announcement),
          button(t.gettext("Cancel"), callbacks.ANNOUNCE_CANCEL, announcement)]])


def announcement_cancelled(t: Translator) -> Reply:
    """Cancel pressed under an announcement's preview."""
    return Reply(t.gettext("Cancelled: nothing was sent."))


def announcement_gone(t: Translator) -> Reply:
    """Send pressed twice, or after Cancel: nothing goes out again."""
    return Reply(t.gettext("This announcement was already sent or cancelled."))


def announcement_progress(t: Translator, sent: int, total: int, finished: bool) -> str:
    """The organiser's status message while an announcement goes out, and at the end."""
    text = fill(t.gettext("📣 {sent} of {total} sent"),
                {"sent": t.number(sent), "total": t.number(total)})
    if finished:
        text += "\n" + fill(t.gettext("Finished. Not delivered: {failed}."),
                            {"failed": t.number(total - sent)})
    return text


def correct_usage(t: Translator) -> Reply:
    """/correct without a day of the campaign: how to correct one."""
    return Reply(t.gettext("Fix the day's text in actions.yaml, /reload, then write the day "
                           "after the command: /correct 5."))


def correct_nothing(t: Translator, day: int) -> Reply:
    """/correct of a day whose delivered copies all show its current text."""
    return Reply(fill(t.gettext("Nothing to correct: every delivered copy of day {day} already "
                                "shows its current text."), {"day": t.number(day)}))


def correct_question(t: Translator, day: int, edition: int, per_language: Counter[str]) -> Reply:
    """The preview of a correction: how many copies change in each language, Edit/Cancel."""
    lines = [fill(t.gettext("✏️ Delivered copies of day {day} to edit to its current text: "
                            "{count}."),
                  {"day": t.number(day), "count": t.number(per_language.total())})]
    lines += [f"{t.language_name(language) if language else '–'}: {t.number(count)}"
              for language, count in sorted(per_language.items())]
    return Reply("\n".join(lines),
                 [[button(t.gettext("✏️ Edit them"), callbacks.CORRECT_SEND, day, edition),
                   button(t.gettext("Cancel"), callbacks.CORRECT_CANCEL)]])


def correction_progress(t: Translator, edited: int, total: int, finished: bool) -> str:
    """The organiser's status message while a correction's edits go out, and at the end."""
    text = fill(t.gettext("✏️ {edited} of {total} edited"),
                {"edited": t.number(edited), "total": t.number(total)})
    if finished:
        text += "\n" + fill(t.gettext("Finished. Not edited (deleted or blocked): {failed}."),
                            {"failed": t.number(total - edited)})
    return text


def reload_result(t: Translator, problems: list[str]) -> Reply:
    """/reload: done, or the file's first problems (the running campaign stays as it was)."""
    if not problems:
        return Reply(t.gettext("✅ Campaign reloaded."))
    return Reply(t.gettext("❌ The campaign file has problems; the running campaign is unchanged:")
                 + "\n<pre>" + html.escape("\n".join(problems[:20])) + "</pre>")
