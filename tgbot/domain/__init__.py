"""The campaign as plain Python: the model and its file, what is due, progress, stats."""
