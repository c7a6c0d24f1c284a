"""Verification: each method's congestion, then the two steps that end in an identity token."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, Field

from vaxbook.domain.errors import Problem
from vaxbook.domain.identity import group_for_birth_date
from vaxbook.services.auth import require_device
from vaxbook.web.api.problem_docs import BACKEND, INPUT, refusals
from vaxbook.web.api.schemas import ChallengeAnswer, MethodsAnswer, StartedAnswer, VerifiedAnswer
from vaxbook.web.client_address import client_address
from vaxbook.web.container import container

router = APIRouter(prefix="/api")


class ProofOfWork(BaseModel):
    challenge: str = Field(max_length=200)
    solution: str = Field(max_length=32)


class StartVerification(BaseModel):
    # Lengths and characters are judged after canonicalisation, in the domain (NFC can
    # shorten a name); these bounds only keep absurd strings from being processed at all.
    name: str = Field(max_length=200, examples=["홍길동"])
    resident_number: str = Field(max_length=200, examples=["900101-1234567"])
    phone: str = Field(max_length=200, examples=["010-1234-5678"])
    method: str = Field(max_length=20, examples=["kakao"])
    email: str | None = Field(default=None, max_length=300, description="optional, for notifications")
    language: str | None = Field(default=None, max_length=5, description="ko (default) or en: messages")
    proof_of_work: ProofOfWork | None = Field(default=None, description="when /api/auth/challenge asks")


class FinishVerification(BaseModel):
    request_token: str = Field(min_length=1)
    code: str = Field(min_length=4, max_length=10)


@router.get("/auth/methods", summary="Each verification method's congestion",
            response_model=MethodsAnswer, responses=refusals(BACKEND))
async def methods(request: Request) -> dict[str, Any]:
    statuses = await container(request).auth.methods()
    return {"methods": [asdict(s) for s in statuses]}


@router.get("/auth/challenge", summary="Bot friction: a proof-of-work challenge, when switched on",
            response_model=ChallengeAnswer, response_model_exclude_unset=True,
            responses=refusals(INPUT, (Problem.MISSING_DEVICE,)))
async def challenge(request: Request, x_device_id: str | None = Header(None)) -> dict[str, Any]:
    found = container(request).auth.challenge(x_device_id)
    if found is None:
        return {"challenge": None, "difficulty": 0}
    return {"challenge": found.text, "difficulty": found.difficulty, "expires_at": found.expires_at}


@router.post(
    "/auth/start", summary="Step 1: send a verification code",
    response_model=StartedAnswer, response_model_exclude_unset=True,
    responses=refusals(INPUT, BACKEND, (
        Problem.MISSING_DEVICE, Problem.INVALID_RESIDENT_NUMBER, Problem.UNKNOWN_METHOD,
        Problem.PROOF_OF_WORK_INVALID, Problem.METHOD_CONGESTED, Problem.VERIFICATION_ELSEWHERE,
        Problem.TOO_MANY_REQUESTS,
    )),
)
async def start_verification(
    body: StartVerification, request: Request, x_device_id: str | None = Header(None)
) -> dict[str, Any]:
    started = await container(request).auth.start(
        name=body.name,
        resident_number=body.resident_number,
        phone=body.phone,
        method=body.method,
        device_id=require_device(x_device_id),
        client=client_address(request),
        proof=(body.proof_of_work.challenge, body.proof_of_work.solution) if body.proof_of_work else None,
        email=body.email, language=body.language,
    )
    answer: dict[str, Any] = {"request_token": started.request_token, "expires_in": started.expires_in}
    if started.dev_code is not None:
        answer["dev_code"] = started.dev_code
    return answer


@router.post(
    "/auth/verify", summary="Step 2: confirm the code and receive an identity token",
    response_model=VerifiedAnswer,
    responses=refusals(INPUT, BACKEND, (
        Problem.MISSING_DEVICE, Problem.VERIFICATION_CODE_WRONG, Problem.DEVICE_MISMATCH,
        Problem.VERIFICATION_NOT_FOUND, Problem.DEVICE_BOUND_ELSEWHERE, Problem.VERIFICATION_LOCKED,
        Problem.VERIFICATION_TOO_FREQUENT, Problem.VERIFICATION_ELSEWHERE, Problem.TOO_MANY_REQUESTS,
    )),
)
async def finish_verification(
    body: FinishVerification, request: Request, x_device_id: str | None = Header(None)
) -> dict[str, Any]:
    verified = await container(request).auth.verify(
        request_token=body.request_token, code=body.code, device_id=require_device(x_device_id)
    )
    return {
        "identity_token": verified.identity_token,
        "expires_at": verified.identity.exp,
        "group": group_for_birth_date(verified.identity.birth_date),
    }
