"""Routers under ``/v1``."""
