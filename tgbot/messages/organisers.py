"""What organisers read: /stats, the /announce preview and progress, and /reload's verdict."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping
from dataclasses import replace

from tgbot.domain.campaign import MESSAGE_LIMIT, Campaign
from tgbot.domain.outbox import State
from tgbot.domain.outcomes import OutcomeCounts
from tgbot.domain.partners import PartnerFigures
from tgbot.domain.stats import MIN_SHOWN, Stats, stars_spent
from tgbot.i18n.translator import Translator
from tgbot.messages import callbacks
from tgbot.messages.common import Reply, button, count_shown, fill


def stats_message(t: Translator, campaign: Campaign, figures: Stats) -> Reply:
    """/stats: subscribers, the week's changes, languages, sources, completions, last push.

    Every count of people or chats under 5 shows as "<5" (`count_shown`); the last push's
    messages by state are the operators' figures (`tgbot status` shows them too), exact, so
    that "pending 0" says the push is done.
    """
    def count(n: int) -> str:
        return count_shown(t, n)

    lines = [_title(t, campaign),
             fill(t.gettext("Subscribers: {total} (private {private}, groups {groups}, "
                            "channels {channels})"),
                  {"total": count(figures.total_subscribers),
                   "private": count(figures.subscribers["private"]),
                   "groups": count(figures.subscribers["group"]
                                   + figures.subscribers["supergroup"]),
                   "channels": count(figures.subscribers["channel"])}),
             fill(t.gettext("This week: {new} new, {lost} lost"),
                  {"new": count(figures.new_this_week), "lost": count(figures.lost_this_week)}),
             t.gettext("By language:") + " " + ", ".join(
                 f"{code} {count(n)}" for code, n in sorted(figures.by_language.items())),
             t.gettext("Starts by source:") + " " + (", ".join(
                 f"{html.escape(s)} {count(n)}" for s, n in figures.sources.items()) or "–"),
             _per_day(t, figures.per_action)]
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


def outcomes_message(t: Translator, counts: OutcomeCounts) -> Reply:
    """/stats' answers per day and language (✅ did it, 🛡 safer version, ⛔ not safe).

    Each count as `count_shown` gives it ("<5" under 5); the latest days first in priority:
    when all would not fit one message, the earliest are left to `tgbot export`.
    """
    def shown(count: int) -> str:
        return count_shown(t, count)  # HTML already: "&lt;5"

    by_day: dict[int, list[str]] = {}
    for day, language, done, safer, not_safe in counts.rows():
        by_day.setdefault(day, []).append(
            f"{html.escape(language)} ✅ {shown(done)} 🛡 {shown(safer)} ⛔ {shown(not_safe)}")
    lines: list[str] = []
    budget = MESSAGE_LIMIT - 600  # the header and the note, in any language
    for day in sorted(by_day, reverse=True):
        line = fill(t.gettext("Day {day}: {answers}"),
                    {"day": t.number(day), "answers": "; ".join(by_day[day])})
        length = len(line.encode("utf-16-le")) // 2 + 1  # as Telegram counts, with its "\n"
        if length > budget:
            break
        budget -= length
        lines.insert(0, line)
    header = fill(t.gettext("🧭 <b>How did it go?</b> Per day and language: ✅ did it, 🛡 did "
                            "the safer version, ⛔ not safe where they live. Any count under "
                            "5 shows as {few}."), {"few": shown(0)})
    text = "\n".join([header, *lines])
    if len(lines) < len(by_day):
        text += "\n" + t.gettext("Earlier days: tgbot export")
    return Reply(text)


def _title(t: Translator, campaign: Campaign) -> str:
    """The first line of /stats: the campaign and its edition."""
    return fill(t.gettext("📊 <b>{name} {edition}</b>"),
                {"name": html.escape(t.gettext(campaign.name)), "edition": str(campaign.edition)})


def _per_day(t: Translator, per_day: Mapping[int, int]) -> str:
    """Completions per campaign day, "1: 12, 2: <5"; "–" when there are none."""
    return t.gettext("Completions per day:") + " " + (", ".join(
        f"{day}: {count_shown(t, n)}" for day, n in sorted(per_day.items())) or "–")


# --- partner organisations (tgbot.domain.partners) ------------------------------------------

def stats_with_partners(t: Translator, campaign: Campaign, figures: Stats,
                        partners: Mapping[str, PartnerFigures]) -> Reply:
    """/stats for the bot's organisers: every figure, then each partner's."""
    reply = stats_message(t, campaign, figures)
    if not partners:
        return reply
    lines = [t.gettext("By partner organisation:")]
    for code, partner in sorted(partners.items()):
        lines += _partner_lines(t, code, partner)
    return replace(reply, text=reply.text + "\n\n" + "\n".join(lines))


def partner_stats(t: Translator, campaign: Campaign,
                  partners: Mapping[str, PartnerFigures]) -> Reply:
    """/stats for a partner's organiser: only the figures of their own partner code(s)."""
    lines = [_title(t, campaign)]
    for code, partner in sorted(partners.items()):
        lines += _partner_lines(t, code, partner)
    lines.append(fill(t.gettext("Counts under {minimum} show as {few}, so that nobody can be "
                                "singled out."),
                      {"minimum": t.number(MIN_SHOWN), "few": count_shown(t, 0)}))
    return Reply("\n".join(lines))


def _partner_lines(t: Translator, code: str, partner: PartnerFigures) -> list[str]:
    """One partner: who started through its link and is subscribed, and their completions."""
    return [fill(t.gettext("Partner {partner}: {started} started, {subscribed} subscribed"),
                 {"partner": f"<b>{html.escape(code)}</b>",
                  "started": count_shown(t, partner.started),
                  "subscribed": count_shown(t, partner.subscribed)}),
            _per_day(t, partner.per_day)]


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


def reload_result(t: Translator, problems: list[str]) -> Reply:
    """/reload: done, or the file's first problems (the running campaign stays as it was)."""
    if not problems:
        return Reply(t.gettext("✅ Campaign reloaded."))
    return Reply(t.gettext("❌ The campaign file has problems; the running campaign is unchanged:")
                 + "\n<pre>" + html.escape("\n".join(problems[:20])) + "</pre>")
