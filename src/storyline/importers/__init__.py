"""Importers of other trackers' data (`storyline import ...`)."""
