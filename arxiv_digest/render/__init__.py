"""Turning digests into the files people read: Markdown, JSON, the index of days."""
