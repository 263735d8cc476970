"""What the sites, cards, groups and sharing pages share: form fields and ids picked in forms, and the
batch import pages (upload → the API's own import flow → every row, or a table of each row's
problems in the viewer's words; a spreadsheet template to fill in)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from chargeplane.api import import_flows
from chargeplane.api.deps import Tenancy
from chargeplane.domain.errors import Invalid
from chargeplane.domain.identity.permissions import Action, Resource
from chargeplane.domain.tabular import ImportRejected
from chargeplane.portal.pages import Page
from chargeplane.portal.problems import say
from chargeplane.portal.security import operator_page

ImportFlow = Callable[..., Awaitable[int]]
Operator = Annotated[Page, Depends(operator_page)]


async def form_values(request: Request, names: Sequence[str]) -> dict[str, str]:
    """The form's text fields, trimmed; a missing one is empty."""
    form = await request.form()
    return {name: str(form.get(name) or "").strip() for name in names}


def picked_id(page: Page, value: str | None, field: str) -> uuid.UUID | None:
    """An id chosen in a select (empty: none); anything else was not one of the choices offered."""
    if not value or not value.strip():
        return None
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        raise Invalid(page._("Choose one from the list."), field=field) from None


def picked_ids(page: Page, values: Sequence[str], field: str) -> list[uuid.UUID]:
    return [found for value in values if (found := picked_id(page, value, field)) is not None]


def add_import_routes(router: APIRouter, *, base: str, resource: Resource, flow: ImportFlow, template: str,
                      columns: Sequence[str], example: Sequence[str]) -> None:
    """`{base}/import` (the form, the upload) and `{base}/import/template.csv` for one of the
    `api.import_flows` imports. Register them before `{base}/{id}`, which would take "import" for an id."""
    context: dict[str, Any] = {"section": base.rsplit("/", 1)[1], "columns": columns, "action": f"{base}/import",
               "template_url": f"{base}/import/template.csv", "back": base}

    @router.get(f"{base}/import", response_class=HTMLResponse)
    async def import_form(page: Operator) -> Response:
        await page.tenancy(resource, Action.CREATE)
        return page.render(template, errors={}, rows=[], **context)

    @router.post(f"{base}/import", response_class=HTMLResponse)
    async def import_file(page: Operator, file: Annotated[UploadFile | None, File()] = None) -> Response:
        t = await page.tenancy(resource, Action.CREATE)
        return await _import(page, t, file=file, flow=flow, template=template, done_url=base, context=context)

    @router.get(f"{base}/import/template.csv")
    async def import_template(page: Operator) -> Response:
        """A CSV with the import's header row and one example row, to fill in and upload."""
        lines = [",".join(columns), ",".join(f'"{cell}"' if "," in cell else cell for cell in example)]
        return Response("\r\n".join(lines) + "\r\n", media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{context["section"]}.csv"'})


async def _import(page: Page, t: Tenancy, *, file: UploadFile | None, flow: ImportFlow, template: str,
                  done_url: str, context: dict[str, Any]) -> Response:
    """To `done_url` (with `?imported=N`) when every row went in, or the import page again (422) with
    the file's or each row's problems."""
    errors: dict[str, str] = {}
    rows: list[object] = []
    if file is None or not file.filename:
        errors["file"] = page._("Choose a CSV or XLSX file.")
    else:
        try:
            content = await import_flows.read_upload(file)
            count = await flow(t, content=content, filename=file.filename, content_type=file.content_type)
        except ImportRejected as rejected:
            errors["form"] = page.ngettext(
                "Nothing was imported: %(num)s problem in the file. Fix it and upload the file again.",
                "Nothing was imported: %(num)s problems in the file. Fix them and upload the file again.",
                len(rejected.errors))
            rows = [replace(error, message=say(page, error.cause) if error.cause is not None else error.message)
                    for error in rejected.errors]
        except Invalid as problem:
            errors["file"] = say(page, problem)
        else:
            return page.redirect(f"{done_url}?imported={count}")
    return page.render(template, status_code=422, errors=errors, rows=rows, **context)
