"""The JSON API under /api, one router per resource, mounted by create_app as one."""

from __future__ import annotations

from fastapi import APIRouter

from vaxbook.web.api import auth, booking, campaign, clinic_staff, clinics, figures, line, standby

router = APIRouter()
for resource in (campaign, auth, line, clinics, clinic_staff, booking, figures, standby):
    router.include_router(resource.router)
