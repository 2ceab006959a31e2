"""The day's action (with its letter and post), the list of actions, and progress."""

from __future__ import annotations

import datetime as dt
import html
from urllib.parse import quote, urlencode

from telegram import InlineKeyboardButton

from tgbot.domain.campaign import Action, Campaign
from tgbot.domain.outcomes import Outcome
from tgbot.domain.progress import Progress
from tgbot.i18n.translator import Translator
from tgbot.messages import callbacks
from tgbot.messages.common import (
    INLINE,
    REMIND_TONIGHT,
    SAFETY_LINE,
    Reply,
    Row,
    button,
    campaign_values,
    fill,
    open_bot_button,
    share_url,
    telegram_share,
)


def action_text(t: Translator, campaign: Campaign, action: Action, *, counter: int = 0,
                taken: int = 0) -> str:
    """The day's action as Telegram HTML: the one text the bot and the mirror site show.

    `counter` is how many people in this group did it, `taken` how many everywhere (0: no
    line).
    """
    date = campaign.date_of(action.day)
    values = campaign_values(t, campaign)
    header = fill(t.gettext("<b>Day {day} of {total}</b> · {date}"),
                  {"day": t.number(action.day), "total": t.number(campaign.days),
                   "date": t.day_month(date)})
    parts = [header, f"<b>{html.escape(t.gettext(action.title))}</b>",
             fill(t.gettext(action.body), values)]
    parts.append(t.gettext(SAFETY_LINE))
    if action.safer:
        parts.append(fill(t.gettext("<b>A safer way</b>\n{way}"),
                          {"way": html.escape(fill(t.gettext(action.safer), values))}))
    if action.letter is not None:
        parts.append(fill(t.gettext("✉️ <b>To:</b> {to}"),
                          {"to": html.escape(t.gettext(action.letter.to))}))
    if taken:
        parts.append(takers_line(t, taken))
    if counter:
        parts.append(fill(t.ngettext("👥 {count} person here did it.",
                                     "👥 {count} people here did it.", counter),
                          {"count": t.number(counter)}))
    if campaign.hashtag:
        parts.append(html.escape(campaign.hashtag))
    return t.direct("\n\n".join(parts))


def action_message(t: Translator, campaign: Campaign, action: Action, *, bot_username: str,
                   done: bool = False, chat_kind: str = "private",
                   counter: int = 0, taken: int = 0, offer_reminder: bool = True) -> Reply:
    """The day's action with its buttons.

    In a private chat the buttons show the person's own state (`done`: they answered, so
    Undo; else I did it, the safer version, Not safe where I live); in a group everyone
    shares one message, so it has every button and a counter of people who did it; a channel,
    and a card shared through inline mode (`INLINE`), have no per-person buttons, only a link
    to open the bot. `taken` is how many people everywhere have done it so far (a count,
    never who). A private chat that has not done it is offered a reminder tonight.
    """
    text = action_text(t, campaign, action, counter=counter, taken=taken)
    rows: list[Row] = []
    done_button = button(t.gettext("✅ I did it"), callbacks.DONE, action.id, campaign.edition)
    undo_button = button(t.gettext("↩️ Undo"), callbacks.UNDO, action.id, campaign.edition)
    if chat_kind == "channel":
        rows.append([open_bot_button(t, bot_username, f"day{action.day}")])
    elif chat_kind == INLINE:
        rows.append([open_bot_button(t, bot_username, INLINE)])
    elif chat_kind == "private":
        rows += [[undo_button]] if done else [[done_button], *other_answers(t, campaign, action)]
        if offer_reminder and not done:
            rows.append([button(t.gettext("⏰ Remind me tonight"), callbacks.REMIND,
                                REMIND_TONIGHT)])
    else:
        rows += [[done_button, undo_button], *other_answers(t, campaign, action)]
    if action.letter is not None and chat_kind not in ("channel", INLINE):
        rows.append([button(t.gettext("✉️ Show the letter"), callbacks.LETTER, action.id,
                            campaign.edition)])
    if action.tweet:
        rows += post_buttons(t, campaign, action, bot_username=bot_username,
                             copy=chat_kind == "private")
    rows += [[InlineKeyboardButton(t.gettext(link.label), url=link.url)] for link in action.links]
    invite = t.gettext("Join me: one action a day to end impunity for crimes against journalists.")
    rows.append([InlineKeyboardButton(t.gettext("📣 Share"),
                                      url=share_url(bot_username, "share", invite))])
    return Reply(text, rows, photo=action.image)


def other_answers(t: Translator, campaign: Campaign, action: Action) -> list[Row]:
    """Beside "I did it": the safer version (on a day that has one), and Not safe where I live."""
    safer = [[button(t.gettext("🛡 I did the safer version"), callbacks.SAFER, action.id,
                     campaign.edition)]] if action.safer else []
    return safer + [[button(t.gettext("⛔ Not safe where I live"), callbacks.NOT_SAFE,
                            action.id, campaign.edition)]]


def takers_line(t: Translator, taken: int) -> str:
    """You are not alone: how many people have done an action so far."""
    return fill(t.ngettext("🌍 {count} person has done this so far.",
                           "🌍 {count} people have done this so far.", taken),
                {"count": t.number(taken)})


def post_buttons(t: Translator, campaign: Campaign, action: Action, *, bot_username: str,
                 copy: bool) -> list[Row]:
    """A post for any platform: the text to copy, Telegram's share link, and X's composer.

    `copy` adds a button that sends the text, in private chats, where nobody else sees the
    answer; X is one option among them (it is blocked where many readers live).
    """
    post = post_text(t, campaign, action)
    link = campaign.website or f"https://t.me/{bot_username}?start=post"
    on_x = f"{post} {action.x_accounts}".strip()
    x = "https://x.com/intent/post?" + urlencode({"text": on_x}, quote_via=quote)
    row = [InlineKeyboardButton(t.gettext("✈️ Share on Telegram"),
                                url=telegram_share(link, post)),
           InlineKeyboardButton(t.gettext("𝕏 Post on X"), url=x)]
    return ([[button(t.gettext("📋 Copy the post"), callbacks.POST, action.id, campaign.edition)]]
            if copy else []) + [row]


def post_message(t: Translator, campaign: Campaign, action: Action) -> Reply:
    """The post ready to copy: Telegram copies a <code> text with one tap."""
    text = "\n\n".join([t.gettext("📋 <b>Your post</b>: tap it to copy, then paste it on any "
                                   "platform (Facebook, Instagram, WhatsApp, Bluesky, X…)."),
                         f"<code>{html.escape(post_text(t, campaign, action))}</code>"])
    return Reply(t.direct(text))


def post_text(t: Translator, campaign: Campaign, action: Action) -> str:
    """The pre-written post as it is shared: this language's text, then the hashtag."""
    assert action.tweet is not None
    text = fill(t.gettext(action.tweet), campaign_values(t, campaign))
    return f"{text} {campaign.hashtag}".strip()


def letter_text(t: Translator, campaign: Campaign, action: Action) -> str:
    """The letter as it is sent: this language's text with the campaign's values."""
    assert action.letter is not None
    return fill(t.gettext(action.letter.text), campaign_values(t, campaign))


def letter_message(t: Translator, campaign: Campaign, action: Action) -> Reply:
    """The letter ready to copy: Telegram copies a <pre> block with one tap."""
    assert action.letter is not None
    letter = letter_text(t, campaign, action)
    text = "\n\n".join([
        fill(t.gettext("✉️ <b>Your letter to {to}</b>"),
             {"to": html.escape(t.gettext(action.letter.to))}),
        f"<pre>{html.escape(letter)}</pre>",
        fill(t.gettext("<b>How to send it:</b> {send}"),
             {"send": html.escape(t.gettext(action.letter.send))}),
        t.gettext(SAFETY_LINE),
    ])
    return Reply(t.direct(text))


def countdown(t: Translator, campaign: Campaign, today: dt.date, *,
              subscribed: bool = False) -> Reply:
    """/today before the campaign: the days left, and Subscribe to get day one.

    A chat already subscribed is told that day one will come, not asked to subscribe.
    """
    days = (campaign.start_date - today).days
    text = fill(t.ngettext("⏳ The {edition} campaign starts on {date}: {count} day to go.",
                           "⏳ The {edition} campaign starts on {date}: {count} days to go.",
                           days),
                {"edition": t.digits(str(campaign.edition)),
                 "date": t.date(campaign.start_date), "count": t.number(days)})
    if subscribed:
        text += "\n\n" + t.gettext("🔔 You are subscribed: the first action comes to you on "
                                    "day one.")
        return Reply(t.direct(text))
    text += "\n\n" + t.gettext("Subscribe and I will bring you the first action on day one.")
    return Reply(t.direct(text), [[button(t.gettext("🔔 Subscribe"), callbacks.SUBSCRIBE)]])


def campaign_over(t: Translator, campaign: Campaign, done: int) -> Reply:
    """/today after the campaign: thanks, and how many actions this person completed."""
    text = "\n\n".join([
        fill(t.gettext("🙏 The {edition} campaign is over. Thank you for standing with "
                       "journalists and their families."),
             {"edition": t.digits(str(campaign.edition))}),
        fill(t.ngettext("You completed {count} action of {total}.",
                        "You completed {count} actions of {total}.", done),
             {"count": t.number(done), "total": t.number(campaign.days)}),
        t.gettext("If you are subscribed, I will write again when the next edition begins."),
    ])
    return Reply(t.direct(text), [[button(t.gettext("📋 All actions"), callbacks.ACTIONS)]])


def actions_list(t: Translator, campaign: Campaign, completed: set[str],
                 reached: int) -> Reply:
    """Every day of the edition: done, open, or upcoming (not revealed before its day)."""
    lines = [fill(t.gettext("📋 <b>{name}</b>"),
                  {"name": html.escape(t.gettext(campaign.name))})]
    for action in campaign.actions:
        day = t.number(action.day)
        if action.day > reached:
            lines.append(fill(t.gettext("🔒 {day}. Opens on {date}"),
                              {"day": day, "date": t.day_month(campaign.date_of(action.day))}))
        else:
            mark = "✅" if action.id in completed else "▫️"
            lines.append(f"{mark} {day}. {html.escape(t.gettext(action.title))}")
    rows: list[Row] = []
    open_days = [a.day for a in campaign.actions if a.day <= reached]
    for start in range(0, len(open_days), 6):
        rows.append([button(t.number(d), callbacks.ACT, d, campaign.edition)
                     for d in open_days[start:start + 6]])
    return Reply(t.direct("\n".join(lines)), rows)


def action_usage(t: Translator, campaign: Campaign) -> Reply:
    """/action without a day number of the campaign (1 to its last day)."""
    return Reply(fill(t.gettext("Send /action with a day number from 1 to {total}, for "
                                "example: /action {example}"),
                      {"total": t.number(campaign.days),
                       "example": str(min(5, campaign.days))}))  # typed: Latin digits


def day_not_open(t: Translator, campaign: Campaign, day: int) -> Reply:
    """A day asked for before it has come: when it opens, and nothing of its content."""
    return Reply(fill(t.gettext("🔒 Day {day} opens on {date}."),
                      {"day": t.number(day), "date": t.date(campaign.date_of(day))}))


def not_open_yet(t: Translator) -> str:
    """The toast for "I did it" on a day that has not come yet."""
    return t.gettext("This action is not open yet.")


def completion_toast(t: Translator, outcome: Outcome | None, count: int) -> str:
    """The toast after an answer (with the person's completions, `count`), or after Undo."""
    if outcome is None:
        return t.gettext("↩️ Undone.")
    if outcome == Outcome.NOT_SAFE:
        return t.gettext("⛔ Noted, thank you. Your safety comes first: organisers see only how "
                         "many people said so, never who.")
    thanks = (t.ngettext("🛡 Thank you for doing it safely! {count} action done.",
                         "🛡 Thank you for doing it safely! {count} actions done.", count)
              if outcome == Outcome.SAFER else
              t.ngettext("✅ Thank you! {count} action done.",
                         "✅ Thank you! {count} actions done.", count))
    return fill(thanks, {"count": t.number(count)})


def progress_message(t: Translator, campaign: Campaign, result: Progress,
                     everyone: int = 0, *, started: bool = True) -> Reply:
    """The person's progress; `everyone` is the campaign's completions by all together.

    Before the campaign has `started`, it says when the first action comes.
    """
    lines = [fill(t.ngettext("📊 You have completed <b>{count}</b> action of {total}.",
                             "📊 You have completed <b>{count}</b> actions of {total}.",
                             result.done),
                  {"count": t.number(result.done), "total": t.number(result.total)})]
    if result.streak:
        lines.append(fill(t.ngettext("🔥 Current streak: {count} day in a row.",
                                     "🔥 Current streak: {count} days in a row.", result.streak),
                          {"count": t.number(result.streak)}))
    if result.left:
        days = t.join([t.number(a.day) for a in result.left])
        # TRANSLATORS: {days} is the list of day numbers, already joined ("1, 2 and 3").
        lines.append(fill(t.ngettext("Still open: day {days}.", "Still open: days {days}.",
                                     len(result.left)), {"days": days}))
        lines.append(t.gettext("Every action counts. Pick one now: /today"))
    elif result.done:
        lines.append(t.gettext("You are all caught up. Thank you!"))
    elif started:
        lines.append(t.gettext("Your first action is one tap away: /today"))
    else:
        lines.append(fill(t.gettext("The first action comes on {date}."),
                          {"date": t.date(campaign.start_date)}))
    if everyone:
        lines.append(fill(t.ngettext(
            "🌍 Together, supporters have taken {count} action in this campaign.",
            "🌍 Together, supporters have taken {count} actions in this campaign.", everyone),
            {"count": t.number(everyone)}))
    return Reply(t.direct("\n".join(lines)),
                 [[button(t.gettext("📋 All actions"), callbacks.ACTIONS)]])
