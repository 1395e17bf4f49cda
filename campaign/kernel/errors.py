"""The service's error tree, translated once at the HTTP and CLI boundaries::

DomainError
├── NotFound        the thing does not exist (or the actor may not see it)
├── Forbidden       the actor may not do this
├── Conflict        the thing is not in a state that allows this
├── InvalidInput    the input is wrong; ``where`` says which field, line or column
│   └── UnsupportedMediaType   the body is in a format or charset the service does not read
└── TooLarge        the input is bigger than the service takes; ``where`` says which part
"""

from __future__ import annotations


class DomainError(Exception):
    """Something a user asked for cannot be done; the message says why in plain words."""


class NotFound(DomainError):
    pass


class Forbidden(DomainError):
    pass


class Conflict(DomainError):
    pass


class InvalidInput(DomainError):
    def __init__(self, message: str, where: str | None = None) -> None:
        super().__init__(message)
        self.where = where


class UnsupportedMediaType(InvalidInput):
    pass


class TooLarge(DomainError):
    def __init__(self, message: str, where: str | None = None) -> None:
        super().__init__(message)
        self.where = where
