"""How each refusal is worded, in Korean and English: problem code -> (Korean, English).

The API sends both (message_ko, message_en); the pages show the one of their language.
"""

from __future__ import annotations

from vaxbook.domain.errors import Problem

PROBLEM_WORDS: dict[Problem, tuple[str, str]] = {
    # input
    Problem.INVALID_INPUT: ("입력값이 올바르지 않습니다.", "The input is not valid."),
    Problem.INVALID_RESIDENT_NUMBER: (
        "주민등록번호가 올바르지 않습니다.",
        "The resident registration number is not valid.",
    ),
    Problem.UNKNOWN_METHOD: (
        "지원하지 않는 본인인증 수단입니다.",
        "This verification method is not supported.",
    ),
    Problem.MISSING_DEVICE: (
        "기기 식별값(X-Device-Id)이 필요합니다.",
        "A device id (X-Device-Id) is required.",
    ),
    Problem.MISSING_IDEMPOTENCY_KEY: (
        "Idempotency-Key 헤더가 필요합니다.",
        "An Idempotency-Key header is required.",
    ),
    Problem.IDEMPOTENCY_KEY_REUSED: (
        "같은 Idempotency-Key가 다른 요청에 사용되었습니다.",
        "This Idempotency-Key was already used for a different request.",
    ),
    # verification
    Problem.VERIFICATION_NOT_FOUND: (
        "인증 요청이 없거나 만료되었습니다. 다시 시작해 주세요.",
        "The verification request is unknown or expired. Please start again.",
    ),
    Problem.VERIFICATION_CODE_WRONG: (
        "인증번호가 일치하지 않습니다.",
        "The verification code does not match.",
    ),
    Problem.VERIFICATION_LOCKED: (
        "인증번호를 여러 번 잘못 입력했습니다. 처음부터 다시 인증해 주세요.",
        "The code was entered wrongly too many times. Please start the verification again.",
    ),
    Problem.VERIFICATION_TOO_FREQUENT: (
        "본인인증은 10분에 한 번만 할 수 있습니다. 잠시 후 다시 시도해 주세요.",
        "You can verify only once every 10 minutes. Please try again later.",
    ),
    Problem.DEVICE_BOUND_ELSEWHERE: (
        "다른 기기에서 먼저 본인인증을 했습니다. 표시된 시각 이후에 다시 시도해 주세요.",
        "Another device verified first. Please try again after the time shown.",
    ),
    Problem.PROOF_OF_WORK_INVALID: (
        "브라우저 확인에 실패했습니다. 다시 시도해 주세요.",
        "The browser check failed. Please try again.",
    ),
    Problem.VERIFICATION_ELSEWHERE: (
        "이 서버에서는 본인인증을 할 수 없습니다. 본인인증 서비스에서 인증해 주세요.",
        "This server does not verify identities. Please verify through the verification service.",
    ),
    Problem.METHOD_CONGESTED: (
        "선택한 인증 수단이 혼잡합니다. 다른 수단을 선택하거나 잠시 후 시도해 주세요.",
        "This verification method is congested. Choose another or try again shortly.",
    ),
    # credentials
    Problem.IDENTITY_REQUIRED: ("본인인증이 필요합니다.", "Identity verification is required."),
    Problem.IDENTITY_INVALID: (
        "본인인증이 만료되었거나 유효하지 않습니다. 다시 인증해 주세요.",
        "Your verification has expired or is not valid. Please verify again.",
    ),
    Problem.ADMISSION_REQUIRED: (
        "대기열을 거쳐야 예약할 수 있습니다.",
        "You must pass the waiting room to book.",
    ),
    Problem.ADMISSION_INVALID: (
        "입장권이 만료되었거나 유효하지 않습니다. 대기열에 다시 들어가 주세요.",
        "Your admission pass has expired or is not valid. Please join the line again.",
    ),
    Problem.ADMISSION_USED: (
        "이 입장권으로 이미 예약했습니다. 다시 예약하려면 대기열에 다시 들어가 주세요.",
        "This admission pass has already been used to book. To book again, join the line again.",
    ),
    Problem.TICKET_INVALID: (
        "대기표가 유효하지 않습니다. 대기열에 다시 들어가 주세요.",
        "Your queue ticket is not valid. Please join the line again.",
    ),
    Problem.DEVICE_MISMATCH: (
        "본인인증을 한 기기에서만 사용할 수 있습니다.",
        "This can only be used from the device that verified.",
    ),
    # eligibility and line
    Problem.OUTSIDE_COHORT: ("이번 사전예약 대상이 아닙니다.", "You are not in the cohort of this campaign."),
    Problem.WINDOW_NOT_OPEN: (
        "지금은 예약 기간이 아닙니다. 안내된 시각에 다시 와 주세요.",
        "Your booking window is not open now. Please come back at the time shown.",
    ),
    Problem.CAMPAIGN_CLOSED: ("사전예약 기간이 끝났습니다.", "The pre-reservation period has ended."),
    Problem.ALREADY_BOOKED: (
        "이미 예약이 있습니다. 예약 조회에서 변경하거나 취소할 수 있습니다.",
        "You already have a booking. You can change or cancel it under My booking.",
    ),
    Problem.SOLD_OUT: (
        "해당 그룹의 1차 접종 물량이 모두 소진되었습니다.",
        "All first-dose places for your group have been taken.",
    ),
    # booking
    Problem.NO_BOOKING: ("예약 내역이 없습니다.", "You have no booking."),
    Problem.CLINIC_NOT_FOUND: ("의료기관을 찾을 수 없습니다.", "Clinic not found."),
    Problem.SLOT_NOT_FOUND: ("접종 시간을 찾을 수 없습니다.", "Time slot not found."),
    Problem.SLOT_FULL: (
        "선택한 시간의 예약 가능 인원이 없습니다. 다른 시간을 선택해 주세요.",
        "No places are left at that time. Please choose another.",
    ),
    Problem.SECOND_DOSE_UNAVAILABLE: (
        "2차 접종일에 같은 의료기관의 자리가 없어 예약할 수 없습니다. 다른 시간을 선택해 주세요.",
        "The clinic has no place for the second dose on its date. Please choose another time.",
    ),
    Problem.SLOT_NOT_BOOKABLE: (
        "이 시간은 1차 접종 예약 대상이 아닙니다.",
        "This slot does not take first-dose bookings.",
    ),
    Problem.CLINIC_KEY_INVALID: ("의료기관 키가 올바르지 않습니다.", "The clinic key is not valid."),
    # standby and offers
    Problem.ALREADY_ON_STANDBY: (
        "이미 예비 명단에 등록되어 있습니다.",
        "You are already on standby.",
    ),
    Problem.NOT_ON_STANDBY: (
        "예비 명단에 등록되어 있지 않습니다.",
        "You are not on standby.",
    ),
    Problem.PLACES_FREE: (
        "선택한 지역에 예약 가능한 자리가 있습니다. 바로 예약해 주세요.",
        "There are free places in a district you chose: please book one.",
    ),
    Problem.DISTRICT_NOT_FOUND: (
        "선택한 지역(시군구)을 찾을 수 없습니다.",
        "District not found.",
    ),
    Problem.NO_OFFER: (
        "유효한 접종 제안이 없습니다. 기한이 지나 다음 분께 넘어갔을 수 있습니다.",
        "You have no open offer. It may have lapsed and passed to the next person.",
    ),
    Problem.VACCINE_NOT_FOUND: (
        "이 캠페인에 없는 백신입니다.",
        "This campaign has no such vaccine.",
    ),
    # clinic staff
    Problem.SLOT_EXISTS: (
        "같은 날짜·시작 시각·백신의 접종 시간이 이미 있습니다. 인원을 바꾸려면 그 시간을 수정해 주세요.",
        "A slot with this date, start and vaccine already exists: change its capacity instead.",
    ),
    Problem.SLOT_STARTED: (
        "이미 시작했거나 지난 접종 시간은 추가하거나 바꿀 수 없습니다.",
        "A slot that has started or is past cannot be added or changed.",
    ),
    Problem.CAPACITY_BELOW_BOOKED: (
        "이미 예약된 인원보다 적게 줄일 수 없습니다.",
        "The capacity cannot be lowered below the places already booked.",
    ),
    Problem.NOT_ON_DAY_LIST: (
        "오늘 이 의료기관의 예약 명단에 없는 접종입니다.",
        "This dose is not on the clinic's list for today.",
    ),
    # operators
    Problem.OPERATOR_LOGIN_FAILED: (
        "이름 또는 비밀번호가 올바르지 않습니다.",
        "The name or the password is not right.",
    ),
    Problem.OPERATOR_LOCKED: (
        "로그인 실패가 너무 많습니다. 표시된 시간이 지난 뒤 다시 시도해 주세요.",
        "Too many failed sign-ins. Please try again after the time shown.",
    ),
    Problem.OPERATOR_SESSION_REQUIRED: (
        "운영자 로그인이 필요합니다.",
        "Please sign in as an operator.",
    ),
    Problem.OPERATOR_FORBIDDEN: (
        "이 작업은 운영자(operator) 권한이 필요합니다. 조회자(viewer)는 볼 수만 있습니다.",
        "This needs the operator role; a viewer can only watch.",
    ),
    Problem.OPERATOR_EXISTS: (
        "같은 이름의 운영자가 이미 있습니다.",
        "An operator of that name already exists.",
    ),
    Problem.OPERATOR_NOT_FOUND: (
        "그 이름의 운영자가 없습니다.",
        "There is no operator of that name.",
    ),
    Problem.LINE_NOT_FOUND: (
        "그런 대기열이 없습니다.",
        "There is no such line.",
    ),
    # limits
    Problem.TOO_MANY_REQUESTS: (
        "요청이 너무 많습니다. 표시된 시간이 지난 뒤 다시 시도해 주세요.",
        "Too many requests. Please try again after the time shown.",
    ),
    # infrastructure
    Problem.SERVICE_UNAVAILABLE: (
        "일시적으로 서비스를 이용할 수 없습니다. 잠시 후 다시 시도해 주세요.",
        "The service is temporarily unavailable. Please try again shortly.",
    ),
    Problem.NOT_FOUND: ("요청한 주소를 찾을 수 없습니다.", "Not found."),
    Problem.METHOD_NOT_ALLOWED: ("허용되지 않는 요청입니다.", "Method not allowed."),
    Problem.INTERNAL_ERROR: (
        "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.",
        "Something went wrong on our side. Please try again shortly.",
    ),
    # transport
    Problem.BODY_TOO_LARGE: ("요청 본문이 너무 큽니다.", "The request body is too large."),
    Problem.HEADERS_TOO_LARGE: (
        "요청 헤더가 너무 크거나 많습니다.", "The request headers are too large or too many."
    ),
    Problem.UNSUPPORTED_MEDIA_TYPE: (
        "지원하지 않는 본문 형식입니다.", "The request body's media type is not supported here."
    ),
    Problem.REQUEST_TIMEOUT: (
        "요청이 제시간에 도착하지 않았습니다. 다시 시도해 주세요.",
        "The request did not arrive in time. Please try again.",
    ),
    Problem.TOO_MANY_CONNECTIONS: (
        "접속이 너무 많습니다. 잠시 후 다시 시도해 주세요.",
        "Too many connections right now. Please try again shortly.",
    ),
    Problem.INVALID_HOST: (
        "이 주소로는 서비스하지 않습니다.", "This service is not served under that host name."
    ),
    Problem.METRICS_FORBIDDEN: (
        "운영 지표는 허용된 주소에서만 볼 수 있습니다.",
        "Metrics may be read only from the allowed addresses.",
    ),
}
