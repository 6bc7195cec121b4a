"""Storyline benchmark: load a dataset through the v1 API, time the hot reads, compare with the
StoryBoard peer and with a plain sqlite3 + orjson floor. Entry point: `python -m benchmarks.run`
(`make bench`). See benchmarks/README.md.
"""
