"""The JSON API under ``/api/v1``: handlers call services; no SQL and no provider calls here."""
