"""arxiv-digest: the day's arXiv announcements as a Chinese digest."""

__version__ = "0.1.0"
