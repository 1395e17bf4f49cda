"""The two ways a message reaches a person. Values are what the database and the API carry."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
