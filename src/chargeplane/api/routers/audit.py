"""Audit log."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/audit-log", tags=["audit log"])
