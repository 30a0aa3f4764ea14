"""Weekly duty rosters (not yet implemented; see issue #4)."""
