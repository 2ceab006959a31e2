"""Sending: the outbox engine, the send budget and the bot's connection to the Bot API."""
