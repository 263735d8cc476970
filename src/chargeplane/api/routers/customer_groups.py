"""Customer groups."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/customer-groups", tags=["customer groups"])
