"""Every refusal the system can give, as a typed code: a typo fails the type check, not a request.

The domain names *what* was refused; how each refusal is worded (web/i18n/problem_words.py)
and which HTTP status and header it leaves with (web/problems.py) belong to the entry points.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Problem(StrEnum):
    """Stable problem codes; a StrEnum, so each one is written out as its plain string."""

    # input
    INVALID_INPUT = "invalid_input"
    INVALID_RESIDENT_NUMBER = "invalid_resident_number"
    UNKNOWN_METHOD = "unknown_method"
    MISSING_DEVICE = "missing_device"
    MISSING_IDEMPOTENCY_KEY = "missing_idempotency_key"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    # verification
    VERIFICATION_NOT_FOUND = "verification_not_found"
    VERIFICATION_CODE_WRONG = "verification_code_wrong"
    VERIFICATION_LOCKED = "verification_locked"
    VERIFICATION_TOO_FREQUENT = "verification_too_frequent"
    DEVICE_BOUND_ELSEWHERE = "device_bound_elsewhere"
    PROOF_OF_WORK_INVALID = "proof_of_work_invalid"
    METHOD_CONGESTED = "method_congested"
    VERIFICATION_ELSEWHERE = "verification_elsewhere"
    # credentials
    IDENTITY_REQUIRED = "identity_required"
    IDENTITY_INVALID = "identity_invalid"
    ADMISSION_REQUIRED = "admission_required"
    ADMISSION_INVALID = "admission_invalid"
    ADMISSION_USED = "admission_used"
    TICKET_INVALID = "ticket_invalid"
    DEVICE_MISMATCH = "device_mismatch"
    # eligibility and line
    OUTSIDE_COHORT = "outside_cohort"
    WINDOW_NOT_OPEN = "window_not_open"
    CAMPAIGN_CLOSED = "campaign_closed"
    ALREADY_BOOKED = "already_booked"
    SOLD_OUT = "sold_out"
    # booking
    NO_BOOKING = "no_booking"
    CLINIC_NOT_FOUND = "clinic_not_found"
    SLOT_NOT_FOUND = "slot_not_found"
    SLOT_FULL = "slot_full"
    SECOND_DOSE_UNAVAILABLE = "second_dose_unavailable"
    SLOT_NOT_BOOKABLE = "slot_not_bookable"
    CLINIC_KEY_INVALID = "clinic_key_invalid"
    # standby and offers
    ALREADY_ON_STANDBY = "already_on_standby"
    NOT_ON_STANDBY = "not_on_standby"
    PLACES_FREE = "places_free"
    DISTRICT_NOT_FOUND = "district_not_found"
    NO_OFFER = "no_offer"
    VACCINE_NOT_FOUND = "vaccine_not_found"
    # clinic staff (issue 10)
    SLOT_EXISTS = "slot_exists"
    SLOT_STARTED = "slot_started"
    CAPACITY_BELOW_BOOKED = "capacity_below_booked"
    NOT_ON_DAY_LIST = "not_on_day_list"
    # operators (the console at /ops and the operator commands)
    OPERATOR_LOGIN_FAILED = "operator_login_failed"
    OPERATOR_LOCKED = "operator_locked"
    OPERATOR_SESSION_REQUIRED = "operator_session_required"
    OPERATOR_FORBIDDEN = "operator_forbidden"
    OPERATOR_EXISTS = "operator_exists"
    OPERATOR_NOT_FOUND = "operator_not_found"
    LINE_NOT_FOUND = "line_not_found"
    # limits
    TOO_MANY_REQUESTS = "too_many_requests"
    # infrastructure
    SERVICE_UNAVAILABLE = "service_unavailable"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    INTERNAL_ERROR = "internal_error"
    # transport: refused before the application reads the request (docs/operations.md)
    BODY_TOO_LARGE = "body_too_large"
    HEADERS_TOO_LARGE = "headers_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    REQUEST_TIMEOUT = "request_timeout"
    TOO_MANY_CONNECTIONS = "too_many_connections"
    INVALID_HOST = "invalid_host"
    # operations
    METRICS_FORBIDDEN = "metrics_forbidden"


class Input(StrEnum):
    """Inputs that travel beside the request's fields; each entry point names its carrier.

    A refusal names the input it blames (`field`): a body field by its own name, these by
    a neutral name that the HTTP layer maps to the header it arrives in.
    """

    DEVICE_ID = "device_id"
    IDEMPOTENCY_KEY = "idempotency_key"
    IDENTITY_TOKEN = "identity_token"
    CLINIC_KEY = "clinic_key"
    QUEUE_TICKET = "queue_ticket"


class VaxbookError(Exception):
    """A refusal with a stable code; `details` go to the client as extra problem fields."""

    def __init__(
        self,
        code: Problem,
        *,
        field: str | None = None,
        retry_after: int | None = None,
        detail_en: str | None = None,
        detail_ko: str | None = None,
        **details: Any,
    ) -> None:
        if not isinstance(code, Problem):  # a caller without the type checker still fails loudly
            raise TypeError(f"problem code {code!r} is not a Problem")
        super().__init__(code.value)
        self.code = code
        self.field = field
        self.retry_after = retry_after
        self.detail_en = detail_en
        self.detail_ko = detail_ko
        self.details = details
