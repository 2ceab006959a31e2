"""Telegram handlers, one module per feature, wired by `tgbot.app` and by nothing else.

Most modules export a `HANDLERS` list; `faq` and `organisers` export `handlers(services)`,
because their filters read the running services (the campaign's FAQ commands, the
organisers' ids); `errors` exports the one error handler, and `start.unknown_press` is
registered last, for any button nobody handled. What a handler says is rendered in
`tgbot.messages`, in the module of its feature.
"""
