"""Telegram handlers, one module per feature; each exports HANDLERS for `tgbot.app` to wire."""
