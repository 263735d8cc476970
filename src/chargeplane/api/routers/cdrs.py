"""Charge detail records."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/cdrs", tags=["charge detail records"])
