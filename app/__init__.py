"""Lupe: media-literacy practice for schools."""

__version__ = "0.1.0"
