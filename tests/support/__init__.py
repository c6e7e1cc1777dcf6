"""Helpers for the test suite that are not fixtures themselves."""
