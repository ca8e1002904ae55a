"""Why a customer request is refused: a stable `reason` (the pages and the counter show it in
the customer's or staff's language) on top of the service layer's errors."""

from __future__ import annotations

from cardsvc.services.errors import Conflict, Invalid, NotFound


class CustomerInvalid(Invalid):
    """A value that is not acceptable (phone_invalid, name_missing, birthday_invalid ...)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = self.code = reason  # the API answers the reason as its error code


class CustomerConflict(Conflict):
    """The request contradicts what is stored (phone_taken, instrument_taken, already_merged)."""

    def __init__(self, reason: str, detail: str, customer_id: str | None = None) -> None:
        super().__init__(detail)
        self.reason = self.code = reason  # the API answers the reason as its error code
        self.customer_id = customer_id


class CustomerNotFound(NotFound):
    def __init__(self, customer_id: str) -> None:
        super().__init__(f"no customer {customer_id}")
        self.reason = self.code = "customer_unknown"
