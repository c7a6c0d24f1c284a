"""Every refusal the system can give, with a stable code and text in Korean and English.

The catalogue is the single source for the HTTP mapping and for docs/api.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProblemKind:
    status: int
    ko: str
    en: str


CATALOGUE: dict[str, ProblemKind] = {
    # input
    "invalid_input": ProblemKind(422, "입력값이 올바르지 않습니다.", "The input is not valid."),
    "invalid_resident_number": ProblemKind(
        422, "주민등록번호가 올바르지 않습니다.", "The resident registration number is not valid."
    ),
    "unknown_method": ProblemKind(
        422, "지원하지 않는 본인인증 수단입니다.", "This verification method is not supported."
    ),
    "missing_device": ProblemKind(
        400, "기기 식별값(X-Device-Id)이 필요합니다.", "A device id (X-Device-Id) is required."
    ),
    "missing_idempotency_key": ProblemKind(
        400, "Idempotency-Key 헤더가 필요합니다.", "An Idempotency-Key header is required."
    ),
    "idempotency_key_reused": ProblemKind(
        422,
        "같은 Idempotency-Key가 다른 요청에 사용되었습니다.",
        "This Idempotency-Key was already used for a different request.",
    ),
    # verification
    "verification_not_found": ProblemKind(
        404, "인증 요청이 없거나 만료되었습니다. 다시 시작해 주세요.",
        "The verification request is unknown or expired. Please start again.",
    ),
    "verification_code_wrong": ProblemKind(
        401, "인증번호가 일치하지 않습니다.", "The verification code does not match."
    ),
    "verification_locked": ProblemKind(
        429, "인증번호를 여러 번 잘못 입력했습니다. 처음부터 다시 인증해 주세요.",
        "The code was entered wrongly too many times. Please start the verification again.",
    ),
    "verification_too_frequent": ProblemKind(
        429, "본인인증은 10분에 한 번만 할 수 있습니다. 잠시 후 다시 시도해 주세요.",
        "You can verify only once every 10 minutes. Please try again later.",
    ),
    "device_bound_elsewhere": ProblemKind(
        409, "다른 기기에서 먼저 본인인증을 했습니다. 표시된 시각 이후에 다시 시도해 주세요.",
        "Another device verified first. Please try again after the time shown.",
    ),
    "proof_of_work_invalid": ProblemKind(
        422, "브라우저 확인에 실패했습니다. 다시 시도해 주세요.",
        "The browser check failed. Please try again.",
    ),
    "method_congested": ProblemKind(
        503, "선택한 인증 수단이 혼잡합니다. 다른 수단을 선택하거나 잠시 후 시도해 주세요.",
        "This verification method is congested. Choose another or try again shortly.",
    ),
    # credentials
    "identity_required": ProblemKind(
        401, "본인인증이 필요합니다.", "Identity verification is required."
    ),
    "identity_invalid": ProblemKind(
        401, "본인인증이 만료되었거나 유효하지 않습니다. 다시 인증해 주세요.",
        "Your verification has expired or is not valid. Please verify again.",
    ),
    "admission_required": ProblemKind(
        401, "대기열을 거쳐야 예약할 수 있습니다.", "You must pass the waiting room to book."
    ),
    "admission_invalid": ProblemKind(
        401, "입장권이 만료되었거나 유효하지 않습니다. 대기열에 다시 들어가 주세요.",
        "Your admission pass has expired or is not valid. Please join the line again.",
    ),
    "ticket_invalid": ProblemKind(
        401, "대기표가 유효하지 않습니다. 대기열에 다시 들어가 주세요.",
        "Your queue ticket is not valid. Please join the line again.",
    ),
    "device_mismatch": ProblemKind(
        403, "본인인증을 한 기기에서만 사용할 수 있습니다.",
        "This can only be used from the device that verified.",
    ),
    # eligibility and line
    "outside_cohort": ProblemKind(
        403, "이번 사전예약 대상이 아닙니다.", "You are not in the cohort of this campaign."
    ),
    "window_not_open": ProblemKind(
        403, "지금은 예약 기간이 아닙니다. 안내된 시각에 다시 와 주세요.",
        "Your booking window is not open now. Please come back at the time shown.",
    ),
    "campaign_closed": ProblemKind(
        403, "사전예약 기간이 끝났습니다.", "The pre-reservation period has ended."
    ),
    "already_booked": ProblemKind(
        409, "이미 예약이 있습니다. 예약 조회에서 변경하거나 취소할 수 있습니다.",
        "You already have a booking. You can change or cancel it under My booking.",
    ),
    "sold_out": ProblemKind(
        410, "해당 그룹의 1차 접종 물량이 모두 소진되었습니다.",
        "All first-dose places for your group have been taken.",
    ),
    # booking
    "no_booking": ProblemKind(404, "예약 내역이 없습니다.", "You have no booking."),
    "clinic_not_found": ProblemKind(404, "의료기관을 찾을 수 없습니다.", "Clinic not found."),
    "slot_not_found": ProblemKind(404, "접종 시간을 찾을 수 없습니다.", "Time slot not found."),
    "slot_full": ProblemKind(
        409, "선택한 시간의 예약 가능 인원이 없습니다. 다른 시간을 선택해 주세요.",
        "No places are left at that time. Please choose another.",
    ),
    "second_dose_unavailable": ProblemKind(
        409, "2차 접종일에 같은 의료기관의 자리가 없어 예약할 수 없습니다. 다른 시간을 선택해 주세요.",
        "The clinic has no place for the second dose on its date. Please choose another time.",
    ),
    "slot_not_bookable": ProblemKind(
        409, "이 시간은 1차 접종 예약 대상이 아닙니다.", "This slot does not take first-dose bookings."
    ),
    "clinic_key_invalid": ProblemKind(
        401, "의료기관 키가 올바르지 않습니다.", "The clinic key is not valid."
    ),
    # infrastructure
    "service_unavailable": ProblemKind(
        503, "일시적으로 서비스를 이용할 수 없습니다. 잠시 후 다시 시도해 주세요.",
        "The service is temporarily unavailable. Please try again shortly.",
    ),
    "not_found": ProblemKind(404, "요청한 주소를 찾을 수 없습니다.", "Not found."),
    "method_not_allowed": ProblemKind(405, "허용되지 않는 요청입니다.", "Method not allowed."),
    "internal_error": ProblemKind(
        500, "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.",
        "Something went wrong on our side. Please try again shortly.",
    ),
}


class VaxbookError(Exception):
    """A refusal with a stable code; `details` go to the client as extra problem fields."""

    def __init__(
        self,
        code: str,
        *,
        field: str | None = None,
        retry_after: int | None = None,
        detail_en: str | None = None,
        detail_ko: str | None = None,
        **details: Any,
    ) -> None:
        if code not in CATALOGUE:
            raise KeyError(f"unknown problem code {code!r}")
        super().__init__(code)
        self.code = code
        self.kind = CATALOGUE[code]
        self.field = field
        self.retry_after = retry_after
        self.detail_en = detail_en
        self.detail_ko = detail_ko
        self.details = details
