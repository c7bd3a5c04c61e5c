"""Authorisation, sessions, passwords, codes, rate limits and HTTP security headers."""
