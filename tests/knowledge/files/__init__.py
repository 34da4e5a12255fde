"""Sample knowledge files for the import tests, generated in code (no binary fixtures to go stale)."""
