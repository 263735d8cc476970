"""The operator's dashboard (being built: live fleet status comes next)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from chargeplane.portal.pages import Page
from chargeplane.portal.security import operator_page

router = APIRouter()

Operator = Annotated[Page, Depends(operator_page)]


@router.get("/portal", response_class=HTMLResponse)
async def dashboard(page: Operator) -> HTMLResponse:
    return page.render("operator/dashboard.html", section="dashboard")
