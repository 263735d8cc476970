"""Error pages in the viewer's language and the tenant's brand (when the request got as far as knowing them)."""

from __future__ import annotations

from html import escape

from fastapi import Request
from fastapi.responses import HTMLResponse

from chargeplane.portal.i18n import DEFAULT_LANGUAGE, LANGUAGE_COOKIE, LANGUAGES, choose_language, translations
from chargeplane.portal.pages import N_, Page

# Titles of the error pages (marked for translation; translated when rendered).
TITLES = {
    400: N_("Something is wrong with this request"),
    401: N_("Please log in"),
    403: N_("You may not do this"),
    404: N_("Not found"),
    405: N_("Not found"),
    409: N_("This cannot be done now"),
    410: N_("This link can no longer be used"),
    422: N_("Please check what you entered"),
    429: N_("Too many attempts; wait a moment and try again"),
}




async def error_page(request: Request, status: int, detail: str | None) -> HTMLResponse:
    page: Page | None = getattr(request.state, "page", None)
    title = TITLES.get(status, TITLES[400])
    if page is None:
        # Before the tenant was known (an unknown slug, a broken link): a plain page, in the language the
        # visitor chose or their browser asks for.
        language = choose_language(offered=list(LANGUAGES), chosen=request.cookies.get(LANGUAGE_COOKIE), user=None,
                                   accept_language=request.headers.get("accept-language"),
                                   tenant_default=DEFAULT_LANGUAGE)
        text = translations(language).gettext(title)
        said = f"<p>{escape(detail)}</p>" if detail else ""
        body = (f"<!doctype html><html lang={language}><meta charset=utf-8><meta name=viewport "
                f"content='width=device-width,initial-scale=1'><title>{text}</title>"
                f"<link rel=stylesheet href='/static/build/portal.css'><main class=container><h1>{text}</h1>"
                f"{said}<p><a href='/'>chargeplane</a></p></main></html>")
        return HTMLResponse(body, status_code=status)
    if page.is_htmx:
        return HTMLResponse(page.render_text("partials/error.html", title=page._(title), detail=detail),
                            status_code=status, headers={"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
    return page.render("error.html", status_code=status, title=page._(title), detail=detail)
