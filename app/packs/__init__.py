"""Lesson packs: the Markdown format, its validator, rendering and storage."""
