"""The `tgbot` command: run, demo, push, preview, status and the other subcommands."""
