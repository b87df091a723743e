"""LendGuard: audit online-lending platforms' handling of personal information under Chinese law."""

__version__ = "0.1.0"
