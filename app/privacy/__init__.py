"""Data protection: retention and purge, export, deletion, the audit log."""
