"""Driver app."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/me", tags=["driver app"])
