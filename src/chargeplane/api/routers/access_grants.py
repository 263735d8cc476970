"""Access grants."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/access-grants", tags=["access grants"])
