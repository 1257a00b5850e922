"""Routes of this feature."""
