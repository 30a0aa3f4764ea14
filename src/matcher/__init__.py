"""Dispatch resident orders to teams and volunteers (not yet implemented; see issue #3)."""
