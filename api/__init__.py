"""Thin HTTP service over volunteers, matcher and scheduler (not yet implemented; see issue #5)."""
