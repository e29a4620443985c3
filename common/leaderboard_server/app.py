"""The web application: pages for students and the instructor, a JSON API for ``curl``.

Pages (a cookie set by signing in with the token): ``/`` sign in, ``/me`` the student's page
(display name, upload, history), ``/board`` the public board, ``/admin`` the instructor's page.
API (``Authorization: Bearer TOKEN``, or the cookie): ``GET /api/labs``, ``POST
/api/labs/{lab}/submissions`` (multipart field ``file``, optional ``name``), ``GET
/api/me/submissions``, ``GET /api/users/{id}/submissions``, ``POST
/api/submissions/{id}/final``, ``PUT /api/me/name``, ``GET /api/board``, and for the instructor
``PUT /api/admin/labs/{lab}``, ``GET /api/admin/finals``, ``GET /api/admin/export.csv``.

Every refusal is one sentence: ``{"detail": "..."}`` with its HTTP status on the API, an error
page on the pages. Every page escapes what users wrote (Jinja autoescaping).
"""

from __future__ import annotations

import time
from contextlib import asynccontextmanager
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from fastapi import FastAPI

from ..errors import CourseError
from .service import Leaderboard, ServiceError, UserInfo, parse_deadline
from .settings import Settings

__all__ = ["create_app", "COOKIE"]

#: the sign-in cookie (HttpOnly, SameSite=Strict: other sites cannot post with it).
COOKIE = "dlmia_token"
_TEMPLATES = Path(__file__).resolve().parent / "templates"


class _BodyTooLarge(ServiceError):
    pass


class _LimitBody:
    """ASGI middleware: a request body larger than ``limit`` bytes is refused with 413 (by its
    Content-Length at once, or as it arrives)."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        message = (f"The upload is larger than the {self.limit // 2**20} MiB this server accepts; "
                   f"submit only the CSV file.")
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                response = JSONResponse({"detail": message}, status_code=413)
                return await response(scope, receive, send)
        seen = 0

        async def limited():
            nonlocal seen
            event = await receive()
            seen += len(event.get("body", b""))
            if seen > self.limit:
                raise _BodyTooLarge(message, 413)
            return event

        return await self.app(scope, limited, send)


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(_TEMPLATES)),
                      autoescape=select_autoescape(["html"], default=True))

    def score(value, digits: int = 4):
        return "" if value is None else f"{value:.{digits}f}"

    def when(value):
        return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")

    env.filters["score"] = score
    env.filters["when"] = when
    return env


def create_app(settings: Settings | None = None, service: Leaderboard | None = None) -> FastAPI:
    """The application over a leaderboard (opened here, migrations included, unless given)."""
    state: dict = {"service": service}
    env = _environment()

    @asynccontextmanager
    async def lifespan(app):
        if state["service"] is None:
            state["service"] = Leaderboard(settings)
        yield
        if service is None:
            state["service"].close()

    app = FastAPI(title="dlmia leaderboard", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.add_middleware(_LimitBody, limit=(settings or Settings()).max_upload_bytes)

    def svc() -> Leaderboard:
        return state["service"]

    def page(name: str, status: int = 200, **context) -> HTMLResponse:
        start = time.perf_counter()
        text = env.get_template(name).render(**context)
        response = HTMLResponse(text, status_code=status)
        response.headers["Server-Timing"] = f"render;dur={1000 * (time.perf_counter() - start):.1f}"
        return response

    def is_api(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    @app.exception_handler(CourseError)
    async def course_error(request: Request, exc: CourseError):
        status = getattr(exc, "status", 400)
        if is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=status)
        return page("error.html", status, message=str(exc), user=None)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        message = (f"The server could not answer this request ({type(exc).__name__}); try again, "
                   f"and tell the instructor if it happens again.")
        if is_api(request):
            return JSONResponse({"detail": message}, status_code=500)
        return page("error.html", 500, message=message, user=None)

    def token_of(request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return header[7:].strip()
        return request.cookies.get(COOKIE)

    async def user_of(request: Request) -> UserInfo:
        return await run_in_threadpool(svc().authenticate, token_of(request))

    async def instructor_of(request: Request) -> UserInfo:
        user = await user_of(request)
        if not user.is_instructor:
            raise ServiceError("Only the instructor may do this.", 403)
        return user

    async def form_of(request: Request):
        try:
            return await request.form(max_files=1, max_fields=20)
        except ServiceError:
            raise
        except Exception:
            raise ServiceError("The request is not a form upload; send the file as multipart "
                               "field 'file' (curl -F file=@submission.csv).", 400) from None

    async def upload(request: Request, user: UserInfo, lab: str) -> dict:
        form = await form_of(request)
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise ServiceError("No file was sent; send the CSV as multipart field 'file' "
                               "(curl -F file=@submission.csv).", 400)
        name = form.get("name")
        name = name if isinstance(name, str) and name.strip() else None
        try:
            return await run_in_threadpool(svc().submit, user, lab, file.file, file.filename, name)
        finally:
            await file.close()

    # --- API ---------------------------------------------------------------------------------

    def lab_json(info) -> dict:
        return {"lab": info.lab, "open": info.is_open, "accepting": info.accepting,
                "deadline": info.deadline.isoformat(timespec="minutes") + "Z",
                "daily_limit": info.daily_limit, "files": info.files, "metric": info.metric,
                "higher_is_better": info.higher_is_better}

    @app.get("/healthz")
    async def healthz():
        return {"ok": True}

    @app.get("/api/labs")
    async def api_labs():
        return [lab_json(x) for x in await run_in_threadpool(svc().labs)]

    @app.post("/api/labs/{lab}/submissions")
    async def api_submit(lab: str, request: Request):
        user = await user_of(request)
        result = await upload(request, user, lab)
        status = {"scored": 201, "invalid": 422}.get(result["status"], 503)
        return JSONResponse(result, status_code=status)

    @app.get("/api/me/submissions")
    async def api_history(request: Request):
        user = await user_of(request)
        return await run_in_threadpool(svc().history, user)

    @app.get("/api/users/{user_id}/submissions")
    async def api_user_history(user_id: int, request: Request):
        user = await user_of(request)
        return await run_in_threadpool(svc().history, user, user_id)

    @app.post("/api/submissions/{submission_id}/final")
    async def api_mark(submission_id: int, request: Request):
        user = await user_of(request)
        return await run_in_threadpool(svc().mark, user, submission_id)

    @app.put("/api/me/name")
    async def api_name(request: Request):
        user = await user_of(request)
        try:
            body = await request.json()
            name = body["display_name"]
        except Exception:
            raise ServiceError('Send JSON {"display_name": "..."}.', 400) from None
        return {"display_name": await run_in_threadpool(svc().set_display_name, user, str(name))}

    def board_json(boards) -> list[dict]:
        def rows(rs):
            return [{"rank": r.rank, "display_name": r.display_name, "score": r.score,
                     "entries": r.entries} for r in rs]
        return [{"lab": b.lab, "file": b.file, "metric": b.metric,
                 "higher_is_better": b.higher_is_better, "private_visible": b.private_visible,
                 "public": rows(b.public), "private": rows(b.private) if b.private_visible else None}
                for b in boards]

    @app.get("/api/board")
    async def api_board():
        return board_json(await run_in_threadpool(svc().board))

    @app.put("/api/admin/labs/{lab}")
    async def api_set_lab(lab: str, request: Request):
        await instructor_of(request)
        try:
            body = await request.json()
            assert isinstance(body, dict)
        except Exception:
            raise ServiceError('Send JSON such as {"open": true, "deadline": "2027-01-15T23:59Z", '
                               '"daily_limit": 5}.', 400) from None
        deadline = parse_deadline(str(body["deadline"])) if body.get("deadline") else None
        limit = body.get("daily_limit")
        if limit is not None and not (isinstance(limit, int) and not isinstance(limit, bool)):
            raise ServiceError("The daily limit is a whole number of at least 1.", 400)
        opened = body.get("open")
        info = await run_in_threadpool(svc().set_lab, lab, None if opened is None else bool(opened),
                                       deadline, limit)
        return lab_json(info)

    @app.get("/api/admin/finals")
    async def api_finals(request: Request, lab: str | None = None):
        await instructor_of(request)
        return await run_in_threadpool(svc().finals, lab)

    @app.get("/api/admin/export.csv")
    async def api_export(request: Request, lab: str | None = None):
        await instructor_of(request)
        text = await run_in_threadpool(svc().export_csv, lab)
        return Response(text, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=final_grades.csv"})

    # --- pages -------------------------------------------------------------------------------

    async def signed_in(request: Request) -> UserInfo | None:
        if not request.cookies.get(COOKIE):
            return None
        try:
            return await user_of(request)
        except ServiceError:
            return None

    @app.get("/", response_class=HTMLResponse)
    async def home(request: Request):
        user = await signed_in(request)
        if user is not None:
            return RedirectResponse("/admin" if user.is_instructor else "/me", status_code=303)
        return page("home.html", user=None, labs=await run_in_threadpool(svc().labs))

    @app.post("/signin")
    async def signin(request: Request):
        form = await form_of(request)
        token = str(form.get("token") or "")
        user = await run_in_threadpool(svc().authenticate, token)
        response = RedirectResponse("/admin" if user.is_instructor else "/me", status_code=303)
        response.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict", path="/")
        return response

    @app.post("/signout")
    async def signout():
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    async def student_page(request: Request, user: UserInfo, status: int = 200, **extra):
        labs = await run_in_threadpool(svc().labs)
        history = await run_in_threadpool(svc().history, user)
        return page("student.html", status, user=user, labs=labs, history=history, **extra)

    @app.get("/me", response_class=HTMLResponse)
    async def me(request: Request):
        return await student_page(request, await user_of(request))

    @app.post("/me/name")
    async def me_name(request: Request):
        user = await user_of(request)
        form = await form_of(request)
        await run_in_threadpool(svc().set_display_name, user, str(form.get("display_name") or ""))
        return RedirectResponse("/me", status_code=303)

    @app.post("/me/labs/{lab}/submit", response_class=HTMLResponse)
    async def me_submit(lab: str, request: Request):
        user = await user_of(request)
        result = await upload(request, user, lab)
        status = {"scored": 201, "invalid": 422}.get(result["status"], 503)
        user = await user_of(request)
        return await student_page(request, user, status, result=result)

    @app.post("/me/submissions/{submission_id}/final")
    async def me_mark(submission_id: int, request: Request):
        user = await user_of(request)
        await run_in_threadpool(svc().mark, user, submission_id)
        return RedirectResponse("/me", status_code=303)

    @app.get("/board", response_class=HTMLResponse)
    async def board(request: Request):
        boards = await run_in_threadpool(svc().board)
        return page("board.html", user=await signed_in(request), boards=boards)

    @app.get("/admin", response_class=HTMLResponse)
    async def admin(request: Request):
        user = await instructor_of(request)
        labs = await run_in_threadpool(svc().labs)
        finals = await run_in_threadpool(svc().finals)
        return page("admin.html", user=user, labs=labs, finals=finals)

    @app.post("/admin/labs/{lab}")
    async def admin_lab(lab: str, request: Request):
        await instructor_of(request)
        form = await form_of(request)
        deadline = parse_deadline(str(form["deadline"])) if form.get("deadline") else None
        limit = str(form.get("daily_limit") or "").strip()
        if limit and not limit.isdigit():
            raise ServiceError("The daily limit is a whole number of at least 1.", 400)
        action = form.get("action")
        opened = True if action == "open" else False if action == "close" else None
        await run_in_threadpool(svc().set_lab, lab, opened, deadline, int(limit) if limit else None)
        return RedirectResponse("/admin", status_code=303)

    return app
