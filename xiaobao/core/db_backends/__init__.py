"""Database backends: Django's own, made to ride out a database restart (docs/deployment.md)."""
