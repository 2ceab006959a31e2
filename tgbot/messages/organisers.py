"""What organisers read: /stats, /announce's, /correct's and /recall's previews, /reload."""

from __future__ import annotations

import datetime as dt
import html
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace

from tgbot.domain.approval import Pending, Subject
from tgbot.domain.campaign import MESSAGE_LIMIT, Campaign
from tgbot.domain.deletions import DeletionState
from tgbot.domain.outbox import State
from tgbot.domain.outcomes import OutcomeCounts
from tgbot.domain.partners import PartnerFigures
from tgbot.domain.recall import Preview, Report, Target
from tgbot.domain.stats import MIN_SHOWN, Stats, stars_spent
from tgbot.domain.translatable import N_
from tgbot.i18n.translator import Translator
from tgbot.messages import callbacks
from tgbot.messages.common import Reply, Row, button, count_shown, fill

# What can wait for approval, as /stats names it.
SUBJECT_NAMES = {Subject.ANNOUNCEMENT: N_("announcement"), Subject.CORRECTION: N_("correction"),
                 Subject.RECALL: N_("recall")}


def stats_message(t: Translator, campaign: Campaign, figures: Stats,
                  waiting: list[Pending] | None = None) -> Reply:
    """/stats: subscribers, the week's changes, languages, sources, completions, last push.

    Every count of people or chats under 5 shows as "<5" (`count_shown`); the last push's
    messages by state are the operators' figures (`tgbot status` shows them too), exact, so
    that "pending 0" says the push is done. Then what is `waiting` for a second organiser's
    approval, if anything.
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
        if states.get(State.WITHDRAWN):
            lines.append(fill(t.gettext("Withdrawn by a recall, never sent: {count}"),
                              {"count": t.number(states[State.WITHDRAWN])}))
        if states.get("paid"):
            lines.append(fill(t.gettext("Stars spent on the last push: {stars}"),
                              {"stars": t.number(stars_spent(states))}))
    if waiting:
        lines.append(fill(t.gettext("⏳ Waiting for a second organiser's approval: {items}"),
                          {"items": ", ".join(f"{t.gettext(SUBJECT_NAMES[item.what])} {item.id}"
                                              for item in waiting)}))
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
                        partners: Mapping[str, PartnerFigures],
                        waiting: list[Pending] | None = None) -> Reply:
    """/stats for the bot's organisers: every figure, then each partner's."""
    reply = stats_message(t, campaign, figures, waiting)
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
    """/announce without a text: how to write one, reach one language, or wait for a time."""
    return Reply(t.gettext(
        "Write the announcement after the command: /announce Your text. To reach only "
        "one language, start with its code: /announce fr Votre texte.") + "\n" + t.gettext(
        "To send it at a time of day in each chat's own time zone: /announce at 18:00 "
        "Your text."))


def announce_too_long(t: Translator, length: int, limit: int) -> Reply:
    """An announcement (or its new text) longer than its copies can be: by how much."""
    return Reply(fill(t.gettext(
        "⚠️ This text has {length} characters; an announcement can have {limit} at most "
        "(Telegram's limit, less the neutral first line of discreet chats' copies). Shorten "
        "it and send it again."), {"length": t.number(length), "limit": t.number(limit)}))


def announce_bad_time(t: Translator) -> Reply:
    """/announce at a time that is not one: how to write it."""
    return Reply(t.gettext("Write the time as hours and minutes on a 24-hour clock, for "
                           "example: /announce at 18:00 Your text."))


def announce_nobody(t: Translator, language: str | None) -> Reply:
    """/announce that would reach no chat: said at once, with nothing to send or cancel."""
    if language is None:
        return Reply(t.gettext("No chat is subscribed yet: this announcement would reach "
                               "nobody, so there is nothing to send."))
    return Reply(fill(t.gettext("No subscribed chat reads {language}: this announcement would "
                                "reach nobody, so there is nothing to send."),
                      {"language": t.language_name(language)}))


def announce_question(t: Translator, announcement: int, audience: int,
                      lasts: dt.timedelta, language: str | None = None,
                      send_at: str | None = None) -> Reply:
    """Under the preview: how many chats it reaches, when, how long it is worth sending.

    An announcement to one `language` names it; one `send_at` a time says it goes out then
    in each chat's own zone. Send/Cancel.
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
        reach + "\n" + _when(t, lasts, send_at),
        [[button(t.gettext("📣 Send"), callbacks.ANNOUNCE_SEND, announcement),
          button(t.gettext("Cancel"), callbacks.ANNOUNCE_CANCEL, announcement)]])


def _when(t: Translator, lasts: dt.timedelta, send_at: str | None) -> str:
    """When an announcement goes out, and how long it stays worth sending."""
    lines = [fill(t.gettext("⏳ Chats it has not reached within {duration} will not get it."),
                  {"duration": t.duration(lasts)})]
    if send_at:
        lines.insert(0, fill(t.gettext("🕕 It goes out at {time} in each chat's own time zone "
                                       "(tomorrow where {time} has passed already)."),
                             {"time": send_at}))
    return "\n".join(lines)


def approval_buttons(t: Translator, what: Subject, item: int) -> list[Row]:
    """Approve and Cancel, for every organiser (the author's own Approve is refused)."""
    data = callbacks.subject_data(what, item)
    return [[button(t.gettext("✅ Approve"), callbacks.APPROVE, data),
             button(t.gettext("Cancel"), callbacks.APPROVAL_CANCEL, data)]]


def approval_waiting(t: Translator, what: Subject, item: int) -> Reply:
    """The author's message once Send was pressed: it waits for a second organiser."""
    return Reply(t.gettext("⏳ Waiting for another organiser to approve it; nothing is sent "
                           "before."), approval_buttons(t, what, item))


def approval_request(t: Translator, announcement: int, audience: int, lasts: dt.timedelta,
                     language: str | None, send_at: str | None) -> Reply:
    """Asks another organiser to approve the announcement shown above it."""
    text = fill(t.ngettext("🖐 Another organiser asks you to approve the announcement above. "
                           "It goes to {count} subscribed chat.",
                           "🖐 Another organiser asks you to approve the announcement above. "
                           "It goes to {count} subscribed chats.", audience),
                {"count": t.number(audience)})
    if language:
        text += " " + fill(t.gettext("Only chats in {language} get it."),
                           {"language": t.language_name(language)})
    return Reply(text + "\n" + _when(t, lasts, send_at),
                 approval_buttons(t, Subject.ANNOUNCEMENT, announcement))


def correction_approval_request(t: Translator, correction: int, day: int,
                                per_language: Counter[str]) -> Reply:
    """Asks an organiser to approve a correction of a day: its copies to edit per language."""
    lines = [fill(t.gettext("🖐 Please approve or cancel this correction: delivered copies of "
                            "day {day} to edit to its current text: {count}."),
                  {"day": t.number(day), "count": t.number(per_language.total())}),
             *_per_language(t, per_language)]
    return Reply("\n".join(lines), approval_buttons(t, Subject.CORRECTION, correction))


def announcement_correction_approval_request(t: Translator, correction: int,
                                             per_language: Counter[str]) -> Reply:
    """Asks an organiser to approve the correction of an announcement to the text above."""
    lines = [fill(t.gettext("🖐 Please approve or cancel this correction: delivered copies of "
                            "an announcement to edit to the text above: {count}."),
                  {"count": t.number(per_language.total())}),
             *_per_language(t, per_language)]
    return Reply("\n".join(lines), approval_buttons(t, Subject.CORRECTION, correction))


def approval_own(t: Translator) -> str:
    """The author pressed Approve on their own announcement."""
    return t.gettext("You wrote it: another organiser must approve it.")


def approval_given(t: Translator) -> Reply:
    """The approver's message once they approved."""
    return Reply(t.gettext("✅ Approved: it is being sent."))


def approval_gone(t: Translator) -> Reply:
    """Approve or Cancel pressed when nothing waits any more: approved or cancelled already."""
    return Reply(t.gettext("Nothing waits here any more: it was approved or cancelled already."))


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
    lines += _per_language(t, per_language)
    return Reply("\n".join(lines),
                 [[button(t.gettext("✏️ Edit them"), callbacks.CORRECT_SEND, day, edition),
                   button(t.gettext("Cancel"), callbacks.CORRECT_CANCEL)]])


def _per_language(t: Translator, per_language: Counter[str]) -> list[str]:
    """One line per language: its name and a count."""
    return [f"{_language(t, language)}: {t.number(count)}"
            for language, count in sorted(per_language.items())]


def correct_announcement_usage(t: Translator) -> Reply:
    """/correct with a text but not as a reply, or as a reply without a text."""
    return Reply(t.gettext("To correct an announcement, reply to the message that shows how "
                           "far it was sent with /correct and the new text."))


def correct_not_announcement(t: Translator) -> Reply:
    """/correct as a reply to a message that shows no announcement's progress."""
    return Reply(t.gettext("That message does not show an announcement's progress: reply to "
                           "the one that says how many were sent."))


def correct_never_sent(t: Translator) -> Reply:
    """/correct of an announcement that was never sent (a draft, or cancelled)."""
    return Reply(t.gettext("This announcement was never sent: there is nothing to correct."))


def correct_announcement_nothing(t: Translator) -> Reply:
    """/correct of an announcement to the text it has already."""
    return Reply(t.gettext("Nothing to correct: the announcement already has this text."))


def correct_announcement_question(t: Translator, correction: int,
                                  per_language: Counter[str]) -> Reply:
    """Under the new text: how many delivered copies change, per language; Edit/Cancel."""
    lines = [fill(t.gettext("✏️ Delivered copies of the announcement to edit to the text "
                            "above: {count}. Copies not sent yet will go out with it."),
                  {"count": t.number(per_language.total())}),
             *_per_language(t, per_language)]
    return Reply("\n".join(lines),
                 [[button(t.gettext("✏️ Edit them"), callbacks.CORRECT_ANNOUNCEMENT, correction),
                   button(t.gettext("Cancel"), callbacks.CORRECT_CANCEL)]])


def correction_progress(t: Translator, edited: int, total: int, finished: bool) -> str:
    """The organiser's status message while a correction's edits go out, and at the end."""
    text = fill(t.gettext("✏️ {edited} of {total} edited"),
                {"edited": t.number(edited), "total": t.number(total)})
    if finished:
        text += "\n" + fill(t.gettext("Finished. Not edited (deleted or blocked): {failed}."),
                            {"failed": t.number(total - edited)})
    return text


def recall_usage(t: Translator) -> Reply:
    """/recall without a day of the campaign, or not in reply to an announcement's status."""
    return Reply(t.gettext("Write the day after the command: /recall 5. To recall an "
                           "announcement, send /recall as a reply to its status message."))


def recall_nothing(t: Translator) -> Reply:
    """/recall of something with no copy delivered and no row waiting to be sent."""
    return Reply(t.gettext("Nothing to recall: no copy was delivered and none waits to be "
                           "sent."))


def recall_already(t: Translator) -> Reply:
    """/recall (or its button) of something recalled already: nothing more happens."""
    return Reply(t.gettext("This was recalled already: nothing more is deleted or sent."))


def recall_cancelled(t: Translator) -> Reply:
    """Cancel pressed under a recall's preview."""
    return Reply(t.gettext("Cancelled: nothing was deleted."))


def recall_question(t: Translator, target: Target, preview: Preview) -> Reply:
    """The preview of a recall: per language, copies to delete and too old; Delete/Cancel."""
    if target.announcement_id is not None:
        delete = button(t.gettext("🗑 Delete them"), callbacks.RECALL_ANNOUNCEMENT,
                        target.announcement_id)
    else:
        delete = button(t.gettext("🗑 Delete them"), callbacks.RECALL_DAY, target.day or 0,
                        target.edition)
    return Reply(_recall_preview(t, target, preview),
                 [[delete, button(t.gettext("Cancel"), callbacks.RECALL_CANCEL)]])


def recall_approval_request(t: Translator, recall: int, target: Target,
                            preview: Preview) -> Reply:
    """Asks another organiser to approve a recall, with its preview; Approve/Cancel."""
    return Reply(t.gettext("🖐 Another organiser asks you to approve this recall.") + "\n"
                 + _recall_preview(t, target, preview),
                 approval_buttons(t, Subject.RECALL, recall))


def _recall_preview(t: Translator, target: Target, preview: Preview) -> str:
    """What a recall would do: copies to delete and too old per language, rows withdrawn."""
    count = {"count": t.number(preview.deletable.total())}
    if target.announcement_id is not None:
        title = fill(t.gettext("🗑 Recall announcement {announcement}? Delivered copies to "
                               "delete: {count}."),
                     {"announcement": t.number(target.announcement_id), **count})
    else:
        title = fill(t.gettext("🗑 Recall day {day}? Delivered copies to delete: {count}."),
                     {"day": t.number(target.day or 0), **count})
    lines = [title]
    for language in sorted(preview.deletable | preview.too_old):
        lines.append(fill(t.gettext("{language}: {count} to delete, {old} too old"),
                          {"language": _language(t, language),
                           "count": t.number(preview.deletable[language]),
                           "old": t.number(preview.too_old[language])}))
    if preview.too_old:
        lines.append(t.gettext("Copies sent more than 48 hours ago stay: Telegram no longer "
                               "lets a bot delete them."))
    if preview.withdrawn:
        lines.append(fill(t.gettext("Not sent yet, and then never sent: {count}."),
                          {"count": t.number(preview.withdrawn)}))
    return "\n".join(lines)


def recall_progress(t: Translator, report: Report, withdrawn: int) -> str:
    """The organiser's status message of a recall: per language, what became of the copies."""
    copies = report.copies.values()
    lines = [recall_started(t, sum(c[DeletionState.DELETED] for c in copies),
                            sum(c.total() for c in copies), finished=False)]
    for language, outcomes in sorted(report.copies.items()):
        lines.append(fill(t.gettext("{language}: {deleted} deleted, {old} too old, "
                                    "{gone} unreachable"),
                          {"language": _language(t, language),
                           "deleted": t.number(outcomes[DeletionState.DELETED]),
                           "old": t.number(outcomes[DeletionState.TOO_OLD]),
                           "gone": t.number(outcomes[DeletionState.GONE]
                                            + outcomes[DeletionState.FAILED])}))
    if withdrawn:
        lines.append(fill(t.gettext("Withdrawn before they were sent: {count}."),
                          {"count": t.number(withdrawn)}))
    if report.finished:
        lines.append(t.gettext("Finished."))
    return "\n".join(lines)


def recall_started(t: Translator, deleted: int, total: int, finished: bool) -> str:
    """The first line of a recall's status message (the rest comes as the copies go).

    `finished` is in the signature the four-eyes flow gives every subject's progress; the
    recall's report says it on a line of its own.
    """
    del finished
    return fill(t.gettext("🗑 {deleted} of {total} delivered copies deleted"),
                {"deleted": t.number(deleted), "total": t.number(total)})


def _language(t: Translator, code: str) -> str:
    """A language's name in the reader's language; "–" for chats without one."""
    return t.language_name(code) if code else "–"


def reload_result(t: Translator, problems: list[str]) -> Reply:
    """/reload: done, or the file's first problems (the running campaign stays as it was)."""
    if not problems:
        return Reply(t.gettext("✅ Campaign reloaded."))
    return Reply(t.gettext("❌ The campaign file has problems; the running campaign is unchanged:")
                 + "\n<pre>" + html.escape("\n".join(problems[:20])) + "</pre>")
