"""The mirror site: the campaign as static pages and Atom feeds, for readers without Telegram.

`tgbot site --out DIR` writes it (`build`): an index per language, a page per day reached with
the bot's own message (`pages`), and a feed per language (`feed`). No script, nothing loaded
from elsewhere: it can be served from any static host or mirror.
"""
