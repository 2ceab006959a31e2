"""What the bot says: every reply rendered as Telegram HTML and buttons, in one language.

Functions here take a Translator and plain data and return a `Reply`; they send nothing, so
the daily push, `tgbot preview` and the handlers share one rendering, and tests can check every
language's output against Telegram's limits without a bot.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.helpers import create_deep_linked_url

from tgbot import callbacks
from tgbot.campaign import CAMPAIGN_DAYS, Action, Campaign, FaqEntry
from tgbot.i18n import N_, Translator
from tgbot.progress import Progress

Row = list[InlineKeyboardButton]
# Shown on /start, /help and every day that asks for a letter or a post: some supporters live
# where naming officials or signing with one's address can bring reprisals.
# TRANSLATORS: read by people for whom the campaign can be dangerous: keep it short and plain.
SAFETY_LINE = N_("🛡 Do only what is safe where you live: skip or adapt any day.")
# The kind of "chat" of a card shared through inline mode, and the deep-link source of its
# button: it reaches chats the bot is not in, so it has no per-person buttons.
INLINE = "inline"
# "⏰ Remind me tonight": the reminder's time, in the chat's zone.
REMIND_TONIGHT = "20:00"


@dataclass(frozen=True)
class Reply:
    """One message to send: HTML text (or a photo's caption) and its buttons."""

    text: str
    buttons: list[Row] = field(default_factory=list)
    photo: Path | None = None

    @property
    def markup(self) -> InlineKeyboardMarkup | None:
        return InlineKeyboardMarkup(self.buttons) if self.buttons else None


def button(text: str, verb: str, arg: str | int = "", edition: int | None = None) -> \
        InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=callbacks.build(verb, arg, edition))


def fill(text: str, values: dict[str, str]) -> str:
    """Put values into {placeholders}; unknown braces are left as written."""
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m[1], m[0]), text)


def campaign_values(t: Translator, campaign: Campaign) -> dict[str, str]:
    """The placeholders a campaign text may use, formatted for this language."""
    return {"edition": t.digits(str(campaign.edition)),
            "start_date": t.date(campaign.start_date), "end_date": t.date(campaign.end_date),
            "website": campaign.website, "hashtag": campaign.hashtag,
            "organiser": campaign.organiser}


def open_bot_button(t: Translator, bot_username: str, source: str) -> InlineKeyboardButton:
    """A link that opens the bot through a deep link whose source /start counts."""
    return InlineKeyboardButton(t.gettext("▶️ Open in the bot"),
                                url=f"https://t.me/{bot_username}?start={source}")


def share_url(bot_username: str, source: str, text: str) -> str:
    """A t.me/share link inviting friends to the bot through a deep link we can count."""
    return telegram_share(f"https://t.me/{bot_username}?start={source}", text)


def telegram_share(url: str, text: str) -> str:
    """Telegram's own share link: the person picks chats to send `text` and `url` to."""
    return "https://t.me/share/url?" + urlencode({"url": url, "text": text}, quote_via=quote)



# --- start and FAQ ---------------------------------------------------------------------------


def main_menu(t: Translator, subscribed: bool) -> list[Row]:
    sub = (button(t.gettext("🔕 Unsubscribe"), "unsub") if subscribed
           else button(t.gettext("🔔 Subscribe"), "sub"))
    return [[button(t.gettext("❓ Questions"), "faq"),
             button(t.gettext("📅 Today's action"), "today")],
            [sub, button(t.gettext("🌐 Language"), "languages")],
            [button(t.gettext("⚙️ Settings"), "settings"), button(t.gettext("📊 My progress"),
                                                                "progress")]]


def welcome(t: Translator, campaign: Campaign, subscribed: bool) -> Reply:
    values = campaign_values(t, campaign)
    text = "\n\n".join([
        t.gettext("👋 <b>Welcome!</b> 23 November is the International Day to End Impunity: "
                  "a day to demand justice for people targeted for exercising their right to "
                  "freedom of expression."),
        fill(t.gettext("From {start_date} to {end_date}, I bring you one simple action a day, "
                       "answer your questions about the campaign and keep track of what you "
                       "have done."), values),
        t.gettext(SAFETY_LINE),
    ])
    return Reply(t.direct(text), main_menu(t, subscribed))


def help_text(t: Translator, campaign: Campaign) -> Reply:
    lines = [t.gettext("<b>What I can do</b>"),
             t.gettext("/today – today's action"),
             t.gettext("/actions – every action of the campaign"),
             t.gettext("/progress – what you have done"),
             t.gettext("/subscribe – get each day's action"),
             t.gettext("/settings – time of the daily message"),
             t.gettext("/remind – a reminder if the day's action is not done yet"),
             t.gettext("/language – change language"),
             t.gettext("/faq – questions about the campaign"),
             t.gettext("/mydata – what I store about you")]
    lines += [f"/{e.command} – {html.escape(t.gettext(e.description))}" for e in campaign.faq]
    lines += [t.gettext("You can also just type a question."), "", t.gettext(SAFETY_LINE)]
    return Reply(t.direct("\n".join(lines)), [[button(t.gettext("❓ Questions"), "faq")]])


def faq_menu(t: Translator, campaign: Campaign) -> Reply:
    rows = [[button(t.gettext(e.button), "faq", e.id)] for e in campaign.faq]
    rows.append([button(t.gettext("⬅️ Back"), "menu")])
    return Reply(t.direct(t.gettext("❓ <b>Questions about the campaign</b>\nChoose one:")), rows)


def faq_answer(t: Translator, campaign: Campaign, entry: FaqEntry) -> Reply:
    question = html.escape(t.gettext(entry.question))
    answer = fill(t.gettext(entry.answer), campaign_values(t, campaign))
    return Reply(t.direct(f"<b>{question}</b>\n\n{answer}"),
                 [[button(t.gettext("⬅️ All questions"), "faq")]])


def private_chat_pointer(t: Translator, text: str, bot_username: str) -> Reply:
    """One line for a group, with a button that opens the private chat with the bot."""
    return Reply(t.direct(text), [[InlineKeyboardButton(t.gettext("💬 Open a private chat"),
                                                        url=create_deep_linked_url(
                                                            bot_username))]])


def no_match(t: Translator, campaign: Campaign) -> Reply:
    lines = [t.gettext("I'm not sure what you mean. I can answer these questions:")]
    lines += [f"• /{e.command} – {html.escape(t.gettext(e.question))}" for e in campaign.faq]
    return Reply(t.direct("\n".join(lines)), [[button(t.gettext("❓ Questions"), "faq")]])


# --- actions ---------------------------------------------------------------------------------


def action_message(t: Translator, campaign: Campaign, action: Action, *, bot_username: str,
                   done: bool = False, chat_kind: str = "private",
                   counter: int = 0, taken: int = 0, offer_reminder: bool = True) -> Reply:
    """The day's action with its buttons.

    In a private chat the button shows the person's own state (`done`); in a group everyone
    shares one message, so it has both buttons and a counter of people who did it; a channel,
    and a card shared through inline mode (`INLINE`), have no per-person buttons, only a link
    to open the bot. `taken` is how many people everywhere have done it so far (a count,
    never who). A private chat that has not done it is offered a reminder tonight.
    """
    date = campaign.date_of(action.day)
    values = campaign_values(t, campaign)
    header = fill(t.gettext("<b>Day {day} of {total}</b> · {date}"),
                  {"day": t.number(action.day), "total": t.number(CAMPAIGN_DAYS),
                   "date": t.day_month(date)})
    parts = [header, f"<b>{html.escape(t.gettext(action.title))}</b>",
             fill(t.gettext(action.body), values)]
    if action.letter is not None or action.tweet:
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
    rows: list[Row] = []
    done_button = button(t.gettext("✅ I did it"), "done", action.id, campaign.edition)
    undo_button = button(t.gettext("↩️ Undo"), "undo", action.id, campaign.edition)
    if chat_kind == "channel":
        rows.append([open_bot_button(t, bot_username, f"day{action.day}")])
    elif chat_kind == INLINE:
        rows.append([open_bot_button(t, bot_username, INLINE)])
    elif chat_kind == "private":
        rows.append([undo_button if done else done_button])
        if offer_reminder and not done:
            rows.append([button(t.gettext("⏰ Remind me tonight"), "remind", REMIND_TONIGHT)])
    else:
        rows.append([done_button, undo_button])
    if action.letter is not None and chat_kind not in ("channel", INLINE):
        rows.append([button(t.gettext("✉️ Show the letter"), "letter", action.id,
                            campaign.edition)])
    if action.tweet:
        rows += post_buttons(t, campaign, action, bot_username=bot_username,
                             copy=chat_kind == "private")
    rows += [[InlineKeyboardButton(t.gettext(link.label), url=link.url)] for link in action.links]
    invite = t.gettext("Join me: one action a day to end impunity for crimes against journalists.")
    rows.append([InlineKeyboardButton(t.gettext("📣 Share"),
                                      url=share_url(bot_username, "share", invite))])
    return Reply(t.direct("\n\n".join(parts)), rows, photo=action.image)


def takers_line(t: Translator, taken: int) -> str:
    """ "You are not alone": how many people have done an action so far."""
    return fill(t.ngettext("🌍 {count} person has done this so far.",
                           "🌍 {count} people have done this so far.", taken),
                {"count": t.number(taken)})


def post_buttons(t: Translator, campaign: Campaign, action: Action, *, bot_username: str,
                 copy: bool) -> list[Row]:
    """A post for any platform: the text to copy (`copy`: a button that sends it, in private
    chats, where nobody else sees the answer), Telegram's share link, and X's composer as one
    option among them (X is blocked where many readers live).
    """
    post = post_text(t, campaign, action)
    link = campaign.website or f"https://t.me/{bot_username}?start=post"
    x = "https://x.com/intent/post?" + urlencode({"text": post}, quote_via=quote)
    row = [InlineKeyboardButton(t.gettext("✈️ Share on Telegram"),
                                url=telegram_share(link, post)),
           InlineKeyboardButton(t.gettext("𝕏 Post on X"), url=x)]
    return ([[button(t.gettext("📋 Copy the post"), "post", action.id, campaign.edition)]]
            if copy else []) + [row]


def post_message(t: Translator, campaign: Campaign, action: Action) -> Reply:
    """The post ready to copy: Telegram copies a <code> text with one tap."""
    text = "\n\n".join([t.gettext("📋 <b>Your post</b>: tap it to copy, then paste it on any "
                                   "platform (Facebook, Instagram, WhatsApp, VK, Bluesky, X…)."),
                         f"<code>{html.escape(post_text(t, campaign, action))}</code>"])
    return Reply(t.direct(text))


def reminder(t: Translator, campaign: Campaign, action: Action, *, bot_username: str) -> Reply:
    """The short evening reminder of a day's action not done yet, with the action's buttons."""
    text = fill(t.gettext("⏰ Today's action is still waiting for you: <b>{title}</b>\n"
                          "/today shows it in full."),
                {"title": html.escape(t.gettext(action.title))})
    rows = action_message(t, campaign, action, bot_username=bot_username,
                          offer_reminder=False).buttons
    return Reply(t.direct(text), rows)


def reminder_set(t: Translator, time: str, zone: str) -> Reply:
    return Reply(fill(t.gettext("⏰ Reminder set for {time} ({zone}): if today's action is not "
                                "done by then, I will remind you. /remind off stops it."),
                      {"time": t.digits(time), "zone": zone}))


def reminder_off(t: Translator, time: str | None, zone: str) -> Reply:
    if time is None:
        return Reply(t.gettext("You have no reminder. /remind 21:00 sets one."))
    return Reply(fill(t.gettext("🔕 Reminder at {time} ({zone}) stopped."),
                      {"time": t.digits(time), "zone": zone}))


def reminder_usage(t: Translator, time: str | None, zone: str) -> Reply:
    """/remind without a valid time: how to use it, and the reminder set now, if any."""
    lines = [t.gettext("Send /remind with a time, for example /remind 21:00: if today's action "
                       "is not done by then, I will remind you.")]
    if time is not None:
        lines.append(fill(t.gettext("Your reminder now: {time} ({zone}). /remind off stops "
                                    "it."), {"time": t.digits(time), "zone": zone}))
    return Reply("\n\n".join(lines))


def post_text(t: Translator, campaign: Campaign, action: Action) -> str:
    """The pre-written post as it is shared: this language's text, then the hashtag."""
    assert action.tweet is not None
    text = fill(t.gettext(action.tweet), campaign_values(t, campaign))
    return f"{text} {campaign.hashtag}".strip()


def letter_message(t: Translator, campaign: Campaign, action: Action) -> Reply:
    """The letter ready to copy: Telegram copies a <pre> block with one tap."""
    assert action.letter is not None
    letter = fill(t.gettext(action.letter.text), campaign_values(t, campaign))
    text = "\n\n".join([
        fill(t.gettext("✉️ <b>Your letter to {to}</b>"),
             {"to": html.escape(t.gettext(action.letter.to))}),
        f"<pre>{html.escape(letter)}</pre>",
        fill(t.gettext("<b>How to send it:</b> {send}"),
             {"send": html.escape(t.gettext(action.letter.send))}),
        t.gettext(SAFETY_LINE),
    ])
    return Reply(t.direct(text))


def countdown(t: Translator, campaign: Campaign, today: dt.date) -> Reply:
    days = (campaign.start_date - today).days
    text = fill(t.ngettext("⏳ The {edition} campaign starts on {date}: {count} day to go.",
                           "⏳ The {edition} campaign starts on {date}: {count} days to go.",
                           days),
                {"edition": t.digits(str(campaign.edition)),
                 "date": t.date(campaign.start_date), "count": t.number(days)})
    text += "\n\n" + t.gettext("Subscribe and I will bring you the first action on day one.")
    return Reply(t.direct(text), [[button(t.gettext("🔔 Subscribe"), "sub")]])


def campaign_over(t: Translator, campaign: Campaign, done: int) -> Reply:
    text = "\n\n".join([
        fill(t.gettext("🙏 The {edition} campaign is over. Thank you for standing with "
                       "journalists and their families."),
             {"edition": t.digits(str(campaign.edition))}),
        fill(t.ngettext("You completed {count} action of {total}.",
                        "You completed {count} actions of {total}.", done),
             {"count": t.number(done), "total": t.number(CAMPAIGN_DAYS)}),
        t.gettext("If you are subscribed, I will write again when the next edition begins."),
    ])
    return Reply(t.direct(text), [[button(t.gettext("📋 All actions"), "actions")]])


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
        rows.append([button(t.number(d), "act", d, campaign.edition)
                     for d in open_days[start:start + 6]])
    return Reply(t.direct("\n".join(lines)), rows)


def progress_message(t: Translator, campaign: Campaign, result: Progress,
                     everyone: int = 0) -> Reply:
    """The person's progress; `everyone` is the campaign's completions by all together."""
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
    else:
        lines.append(t.gettext("Your first action is one tap away: /today"))
    if everyone:
        lines.append(fill(t.ngettext(
            "🌍 Together, supporters have taken {count} action in this campaign.",
            "🌍 Together, supporters have taken {count} actions in this campaign.", everyone),
            {"count": t.number(everyone)}))
    return Reply(t.direct("\n".join(lines)), [[button(t.gettext("📋 All actions"), "actions")]])


def language_menu(t: Translator, languages: dict[str, str]) -> Reply:
    """One button per language (`languages`: code -> the language's own name)."""
    names = list(languages.items())
    rows = [[button(name, "lang", code) for code, name in names[i:i + 3]]
            for i in range(0, len(names), 3)]
    return Reply(t.direct(t.gettext("🌐 Choose your language:")), rows)


def announcement_progress(t: Translator, sent: int, total: int, finished: bool) -> str:
    """The organiser's status message while an announcement goes out, and at the end."""
    text = fill(t.gettext("📣 {sent} of {total} sent"),
                {"sent": t.number(sent), "total": t.number(total)})
    if finished:
        text += "\n" + fill(t.gettext("Finished. Not delivered: {failed}."),
                            {"failed": t.number(total - sent)})
    return text


# --- inline mode: cards to share in any chat -------------------------------------------------


@dataclass(frozen=True)
class Card:
    """One inline result: what the sharer sees (title, description), the message it sends,
    and the phrases a query is matched against.
    """

    id: str
    title: str
    description: str
    reply: Reply
    phrases: tuple[str, ...]


def inline_cards(t: Translator, campaign: Campaign, today: dt.date, action: Action | None, *,
                 taken: int, bot_username: str) -> list[Card]:
    """Today's action (before the campaign, the countdown), the invitation, then every FAQ
    answer; each opens the bot through the `inline` deep link.
    """
    open_bot = [[open_bot_button(t, bot_username, INLINE)]]
    cards = []
    if action is not None:
        reply = action_message(t, campaign, action, bot_username=bot_username,
                               chat_kind=INLINE, taken=taken)
        title = fill(t.gettext("📅 Today's action: {title}"),
                     {"title": t.gettext(action.title)})
        cards.append(Card("today", title, takers_line(t, taken) if taken
                          else t.day_month(campaign.date_of(action.day)),
                          Reply(reply.text, reply.buttons),
                          (t.gettext("Today's action"), t.gettext(action.title))))
    elif campaign.phase(today) == "before":
        cards.append(Card("countdown", t.gettext("⏳ The campaign is coming"),
                          t.date(campaign.start_date),
                          Reply(countdown(t, campaign, today).text, open_bot),
                          (t.gettext("Today's action"), t.gettext(campaign.name))))
    invite = t.gettext("Join me: one action a day to end impunity for crimes against "
                       "journalists.")
    values = campaign_values(t, campaign)
    parts = [fill(t.gettext("📣 <b>{name}</b>"), {"name": html.escape(t.gettext(campaign.name))}),
             html.escape(invite),
             fill(t.gettext("From {start_date} to {end_date}, I bring you one simple action a "
                            "day, answer your questions about the campaign and keep track of "
                            "what you have done."), values)]
    if campaign.hashtag:
        parts.append(html.escape(campaign.hashtag))
    cards.append(Card("invite", t.gettext("📣 Invite someone to the campaign"), invite,
                      Reply(t.direct("\n\n".join(parts)), open_bot),
                      (t.gettext("📣 Invite someone to the campaign"), t.gettext(campaign.name),
                       invite)))
    for entry in campaign.faq:
        answer = faq_answer(t, campaign, entry)
        cards.append(Card(f"faq-{entry.id}", t.gettext(entry.question),
                          t.gettext("❓ Questions about the campaign"),
                          Reply(answer.text, open_bot),
                          (t.gettext(entry.question), t.gettext(entry.button),
                           *map(t.gettext, entry.also))))
    return cards
