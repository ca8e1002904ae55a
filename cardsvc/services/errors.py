"""Domain errors of the service layer; the API maps each to an HTTP status in one place."""

from __future__ import annotations


class ServiceError(Exception):
    """Base: `code` is stable for clients, the message is for people."""

    code = "error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(ServiceError):
    code = "not_found"


class Conflict(ServiceError):
    code = "conflict"


class Invalid(ServiceError):
    code = "invalid"


class Unauthorized(ServiceError):
    code = "unauthorized"


class Forbidden(ServiceError):
    code = "forbidden"


class UnsupportedMediaType(ServiceError):
    code = "unsupported_media_type"


class CardMediumBlocked(Conflict):
    """The card was already reported lost, stolen or damaged, or replaced."""

    code = "card_medium_blocked"


class CardMediumMismatch(Conflict):
    """The card belongs to another instrument (a new card that is already in use)."""

    code = "card_medium_mismatch"
