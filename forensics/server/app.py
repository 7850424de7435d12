"""``forensics serve``: the web page, a Starlette application served by uvicorn.

Starlette rather than FastAPI: the pages are rendered on the server with the Jinja2 templates the report already
uses, from plain forms, so FastAPI's contribution (request models and an OpenAPI description, through pydantic)
would be weight without use; Starlette gives the routing, signed session cookies, streaming request bodies and
form parsing, and it is what FastAPI is built on.

Rooms: this module handles requests and access; the case store and the workflow do the work (the same functions
as the command line, so the custody log reads the same), analyses and renderings run in worker processes
(``jobs``). Every string from evidence or from a user reaches a page through Jinja2's autoescaping; pages load
nothing from outside the server (a Content-Security-Policy says so to the browser); every form carries a CSRF
token; case and exhibit ids in URLs are matched against patterns and looked up, never joined into paths.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import re
import secrets
import shutil
import struct
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import unquote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from forensics.case import Case
from forensics.case.annotations import ReviewStatus, current_annotations
from forensics.case.store import default_actor
from forensics.errors import BadInputError, ForensicsError, UsageError
from forensics.server.accounts import LoginThrottle, Role, ServerRecords
from forensics.server.jobs import Jobs, ReportSigning

CASE_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
EXHIBIT_ID = re.compile(r"^E[0-9]{3,6}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_FIELD_CHARACTERS = 200  # case number, examiner, agency, user names in forms
MAX_FILE_NAME_CHARACTERS = 200
MAX_CERTIFICATE_BYTES = 64 * 1024
SESSION_COOKIE = "forensics_session"
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


@dataclass(frozen=True)
class ServerConfig:
    data: Path
    host: str = "127.0.0.1"
    port: int = 8000
    max_upload_mib: int = 4096
    max_report_mib: int = 200
    session_hours: float = 8.0
    workers: int = 1
    signing: ReportSigning | None = None
    tsa_url: str | None = None  # RFC 3161 timestamp authority for every report (of the signature when signed)
    secure_cookies: bool = False  # set when a TLS proxy serves the page: the cookie then travels over HTTPS only
    login_attempts: int = 5
    login_window_s: float = 900.0

    @property
    def loopback(self) -> bool:
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False


@dataclass
class Identity:
    """Who is asking: a user of the accounts, or (name None) the single local user of a loopback server."""

    name: str | None
    actor: str  # as recorded in the custody log and the audit log
    role: Role
    shares: list[str] = field(default_factory=list)


def accounts_required(config: ServerConfig, records: ServerRecords) -> bool:
    """Logins are needed on any address but loopback, and on loopback too once accounts exist."""
    return not config.loopback or records.has_users()


def create_app(config: ServerConfig) -> Starlette:
    records = ServerRecords(config.data)
    if not config.loopback and not records.has_users():
        raise UsageError(f"serving {config.host} (not this machine alone) needs accounts; add one with "
                         f"'forensics users add NAME --role examiner --data {config.data}'")
    (config.data / "cases").mkdir(exist_ok=True)
    (config.data / "uploads").mkdir(exist_ok=True)
    (config.data / "previews").mkdir(exist_ok=True)

    @asynccontextmanager
    async def lifespan(app: Starlette):
        app.state.jobs = Jobs(config.data, config.workers)
        try:
            yield
        finally:
            await run_in_threadpool(app.state.jobs.close)

    static = Path(str(resources.files("forensics.templates"))) / "web" / "static"
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SessionMiddleware, secret_key=_secret(config.data), session_cookie=SESSION_COOKIE,
                   max_age=int(config.session_hours * 3600), same_site="strict", https_only=config.secure_cookies),
    ]
    if config.loopback:  # a page on another site cannot reach this server by rebinding a name of its own to 127.0.0.1
        middleware.insert(0, Middleware(TrustedHostMiddleware, allowed_hosts=["127.0.0.1", "localhost", "[::1]", "::1"]))
    app = Starlette(
        routes=[
            Route("/", lambda request: RedirectResponse("/cases", 303)),
            Route("/login", login, methods=["GET", "POST"]),
            Route("/logout", logout, methods=["POST"]),
            Route("/cases", cases_page, methods=["GET", "POST"]),
            Route("/cases/{case_id}", case_page),
            Route("/cases/{case_id}/evidence", upload, methods=["POST"]),
            Route("/cases/{case_id}/share", share, methods=["POST"]),
            Route("/cases/{case_id}/custody", custody_page),
            Route("/cases/{case_id}/verify", verify_case, methods=["POST"]),
            Route("/cases/{case_id}/report", render_report, methods=["POST"]),
            Route("/cases/{case_id}/report.pdf", download_report),
            Route("/cases/{case_id}/results.json", download_results),
            Route("/cases/{case_id}/exhibits/{exhibit_id}", exhibit_page),
            Route("/cases/{case_id}/exhibits/{exhibit_id}/progress", exhibit_progress),
            Route("/cases/{case_id}/exhibits/{exhibit_id}/preview.jpg", exhibit_preview),
            Route("/cases/{case_id}/exhibits/{exhibit_id}/original", download_original),
            Route("/cases/{case_id}/exhibits/{exhibit_id}/figures/{sha256}", figure),
            Route("/cases/{case_id}/exhibits/{exhibit_id}/annotations", annotate, methods=["POST"]),
            Route("/cases/{case_id}/exhibits/{exhibit_id}/analyse", analyse_again, methods=["POST"]),
            Route("/verify", verify_report_page, methods=["GET", "POST"]),
            Mount("/static", StaticFiles(directory=static), name="static"),
        ],
        middleware=middleware,
        exception_handlers={HTTPException: http_error, Exception: internal_error},
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.records = records
    app.state.throttle = LoginThrottle(config.login_attempts, config.login_window_s)
    app.state.local_actor = f"{default_actor()} (local web page, no login)"
    return app


class SecurityHeaders:
    """Headers on every response: load nothing from elsewhere, never be framed, never guess a content type."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] += [(b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
                                       (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer"),
                                       (b"x-frame-options", b"DENY")]
            await send(message)

        await self.app(scope, receive, with_headers)


def _secret(data: Path) -> str:
    """The key that signs session cookies, made once per data folder and readable by its owner only."""
    path = data / "session.key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    return path.read_text().strip()


# ----------------------------------------------------------------------------------------------- helpers


def _records(request: Request) -> ServerRecords:
    return request.app.state.records


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _identity(request: Request) -> Identity | None:
    config, records = request.app.state.config, _records(request)
    if not accounts_required(config, records):
        return Identity(None, request.app.state.local_actor, Role.EXAMINER)
    user = records.session_user(str(request.session.get("user", "")), float(request.session.get("since", 0)))
    return Identity(user.name, user.name, user.role) if user else None


def _who(request: Request) -> Identity:
    """The signed-in user (or the local user); anyone else is sent to the login page."""
    identity = _identity(request)
    if identity is None:
        raise HTTPException(303, headers={"Location": "/login"})
    return identity


def _csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


async def _form(request: Request) -> dict[str, str]:
    """The posted form, after checking its CSRF token (refused with 403 without the session's)."""
    form = await request.form(max_files=0, max_fields=20)
    _check_csrf(request, str(form.get("csrf", "")))
    return {key: str(value) for key, value in form.items()}


def _check_csrf(request: Request, given: str) -> None:
    expected = request.session.get("csrf", "")
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        raise HTTPException(403, "This form's security token is missing or out of date (was the page open in "
                                 "another session?). Reload the page and try again.")


def _case_folder(request: Request, who: Identity, case_id: str) -> Path:
    """The case's folder, if ``who`` may see it; 404 otherwise (an unshared case is not confirmed to exist)."""
    records = _records(request)
    if not CASE_ID.match(case_id) or not records.may_see(who.name, case_id):
        if CASE_ID.match(case_id) and records.case_folder(case_id):
            records.audit(who.actor, _address(request), "access.refused", f"{case_id} {request.url.path}"[:300],
                          "not shared with this user")
        raise HTTPException(404, "No such case, or it is not shared with you.")
    return request.app.state.config.data / "cases" / records.case_folder(case_id)


def _case_target(request: Request) -> tuple[Identity, str, Path]:
    """Who asks, the case id in the URL and the case's folder (404 unless they may see it)."""
    who = _who(request)
    case_id = request.path_params["case_id"]
    return who, case_id, _case_folder(request, who, case_id)


def _exhibit(case: Case, exhibit_id: str):
    record = next((r for r in case.evidence() if r.exhibit_id == exhibit_id), None) if EXHIBIT_ID.match(exhibit_id) else None
    if record is None:
        raise HTTPException(404, "No such exhibit in this case.")
    return record


def _require(allowed: bool, what: str) -> None:
    if not allowed:
        raise HTTPException(403, f"Your role does not allow you to {what}.")


def _flash(request: Request, message: str, kind: str = "info") -> None:
    request.session["flash"] = [*request.session.get("flash", []), [kind, message]][-5:]


def _page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    identity = _identity(request)
    from forensics.report.render import template_environment  # WeasyPrint comes with it: imported at first page

    html = template_environment().get_template(f"web/{template}").render(
        request=request, who=identity, csrf=_csrf_token(request), messages=request.session.pop("flash", []),
        accounts=accounts_required(request.app.state.config, _records(request)), **context)
    return HTMLResponse(html, status, headers={"Cache-Control": "no-store"})


async def http_error(request: Request, error: HTTPException) -> Response:
    if error.status_code in (301, 302, 303, 307):
        return Response(status_code=error.status_code, headers=error.headers)
    if request.url.path.endswith(("/evidence", "/progress")):
        return JSONResponse({"error": error.detail}, error.status_code, headers=error.headers)
    titles = {400: "Not accepted", 403: "Not allowed", 404: "Not found", 405: "Not allowed", 413: "Too large",
              429: "Too many attempts"}
    return _page(request, "error.html", error.status_code, title=titles.get(error.status_code, "Error"),
                 detail=error.detail)


async def internal_error(request: Request, error: Exception) -> Response:
    """A bug: the user gets one line (and the server's log the traceback, from uvicorn)."""
    return HTMLResponse(f"<!doctype html><title>Internal error</title><h1>Internal error</h1><p>{type(error).__name__}: "
                        "the server could not answer this request; what was recorded before it is kept. Please "
                        "report it with the time it happened.</p>", 500)


# ----------------------------------------------------------------------------------------------- sign in


async def login(request: Request) -> Response:
    records, throttle = _records(request), request.app.state.throttle
    if not accounts_required(request.app.state.config, records):
        return RedirectResponse("/cases", 303)
    if request.method == "GET":
        return _page(request, "login.html", error=None)
    form = await _form(request)
    name, address = form.get("name", "")[:MAX_FIELD_CHARACTERS], _address(request)
    wait = throttle.refuses(name, address)
    if wait:
        records.audit(name, address, "login", outcome="refused: too many failed attempts")
        return _page(request, "login.html", 429, error=f"Too many failed attempts: try again in {wait / 60:.0f} minutes.")
    user = await run_in_threadpool(records.check_password, name, form.get("password", ""))
    if user is None:
        throttle.failed(name, address)
        records.audit(name, address, "login", outcome="refused: wrong name or password")
        return _page(request, "login.html", 401, error="Wrong name or password.")
    request.session.clear()  # a new session (and CSRF token) for the signed-in user
    request.session.update(user=user.name, since=time.time(), csrf=secrets.token_urlsafe(32))
    records.audit(user.name, address, "login")
    return RedirectResponse("/cases", 303)


async def logout(request: Request) -> Response:
    await _form(request)
    who = _identity(request)
    if who and who.name:
        _records(request).signed_out(who.name)
        _records(request).audit(who.name, _address(request), "logout")
    request.session.clear()
    return RedirectResponse("/login", 303)


# ----------------------------------------------------------------------------------------------- cases


async def cases_page(request: Request) -> Response:
    who, records = _who(request), _records(request)
    if request.method == "POST":
        form = await _form(request)
        _require(who.role.may_examine, "open cases")
        number = form.get("case_number", "").strip()
        if not number or len(number) > MAX_FIELD_CHARACTERS:
            raise HTTPException(400, f"Give the case number (at most {MAX_FIELD_CHARACTERS} characters).")
        examiner = (form.get("examiner", "").strip() or who.name
                    or f"{default_actor()} (operating-system user; no examiner named)")[:MAX_FIELD_CHARACTERS]
        agency = form.get("agency", "").strip()[:MAX_FIELD_CHARACTERS]
        folder = secrets.token_hex(8)

        def create() -> str:  # a case's database connection belongs to the thread that opened it
            with Case.init(request.app.state.config.data / "cases" / folder, number, examiner, agency, who.actor) as case:
                return case.meta["case_id"]

        case_id = await run_in_threadpool(create)
        records.register_case(case_id, folder, who.name or who.actor)
        records.audit(who.actor, _address(request), "case.created", case_id)
        return RedirectResponse(f"/cases/{case_id}", 303)
    listed = []
    for case_id in records.case_ids(who.name):
        try:
            with Case.open(request.app.state.config.data / "cases" / records.case_folder(case_id)) as case:
                listed.append({"id": case_id, "meta": case.meta, "exhibits": len(case.evidence())})
        except ForensicsError as error:
            listed.append({"id": case_id, "meta": None, "problem": str(error)})
    return _page(request, "cases.html", cases=listed)


def _case_view(case: Case, jobs: Jobs, case_id: str) -> dict:
    from forensics.workflow import case_results

    latest = case.latest_results_by_exhibit()
    analysed = {e.exhibit_id: e for e in case_results(case).evidence} if latest else {}
    events = case.events()
    reports = [e for e in events if e.action == "report.rendered"]
    return {
        "meta": case.meta,
        "exhibits": [{"record": r, "result": analysed.get(r.exhibit_id), "progress": jobs.progress(case_id, r.exhibit_id)}
                     for r in case.evidence()],
        "rejected": [e for e in events if e.action == "intake.rejected"][-5:],
        "report": reports[-1] if reports else None,
        "head": events[-1],
    }


async def case_page(request: Request) -> Response:
    who, case_id, folder = _case_target(request)

    def view() -> dict:
        with Case.open(folder) as case:
            return _case_view(case, request.app.state.jobs, case_id)

    records = _records(request)
    records.audit(who.actor, _address(request), "case.viewed", case_id)
    return _page(request, "case.html", case_id=case_id, shares=records.shared_with(case_id),
                 owner=records.case_owner(case_id), max_upload_mib=request.app.state.config.max_upload_mib,
                 **await run_in_threadpool(view))


async def share(request: Request) -> Response:
    who, case_id, _ = _case_target(request)
    records = _records(request)
    form = await _form(request)
    _require(who.name is not None and records.case_owner(case_id) == who.name, "share this case (its owner shares it)")
    user = records.user(form.get("user", "").strip())
    if user is None:
        _flash(request, "No user of that name.", "error")
    else:
        records.share(case_id, user.name, who.name)
        records.audit(who.actor, _address(request), "case.shared", f"{case_id} with {user.name}")
        _flash(request, f"Shared with {user.name} ({user.role.value}).")
    return RedirectResponse(f"/cases/{case_id}", 303)


# ----------------------------------------------------------------------------------------------- evidence


def safe_file_name(given: str) -> str:
    """A name to store an upload under: the last path component of what the browser sent, without control
    characters or a leading dot, at most MAX_FILE_NAME_CHARACTERS long; "upload" when nothing is left."""
    name = re.split(r"[\\/]", given)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*').strip().lstrip(".")
    return name[-MAX_FILE_NAME_CHARACTERS:] or "upload"


async def upload(request: Request) -> Response:
    """Take in one file sent as the request's body (the page's drag-and-drop or file picker), streamed to disk,
    then queue its analysis. Refusals are recorded in the case's custody log (``intake.rejected``)."""
    who, case_id, folder = _case_target(request)
    _check_csrf(request, request.headers.get("x-csrf-token", ""))
    _require(who.role.may_examine, "add evidence")
    config = request.app.state.config
    given = unquote(request.headers.get("x-file-name", ""))[:4096]
    name = safe_file_name(given)
    limit = config.max_upload_mib * 2**20

    def refuse(status: int, reason: str) -> Response:
        with Case.open(folder) as case:
            case.log("intake.rejected", who.actor, {"path": f"web upload {name!r}", "reason": reason})
        _records(request).audit(who.actor, _address(request), "evidence.uploaded", f"{case_id} {name}", f"refused: {reason}")
        return JSONResponse({"error": f"{name}: {reason}"}, status)

    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return await run_in_threadpool(refuse, 413, f"larger than this server's limit of {config.max_upload_mib} MiB")
    staging = config.data / "uploads" / secrets.token_hex(8)
    staging.mkdir()
    path = staging / name
    received = 0
    try:
        with open(path, "wb") as handle:
            try:
                async for chunk in request.stream():
                    received += len(chunk)
                    if received > limit:
                        return await run_in_threadpool(refuse, 413, f"larger than this server's limit of {config.max_upload_mib} MiB")
                    handle.write(chunk)
            except ClientDisconnect:
                return await run_in_threadpool(refuse, 400, f"the upload was cut short after {received} bytes")
        if declared is not None and received != int(declared):
            return await run_in_threadpool(refuse, 400, f"the upload was cut short ({received} of {declared} bytes)")
        return await run_in_threadpool(_take_in, request, who, case_id, folder, path, given, name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _take_in(request: Request, who: Identity, case_id: str, folder: Path, path: Path, given: str, name: str) -> Response:
    note = "" if given == name else f"the name the uploader's browser gave was {given[:300]!r}; stored as {name!r}"
    records = _records(request)
    with Case.open(folder) as case:
        try:
            record, new = case.add_evidence(path, who.actor, received_from=f"web upload by {who.actor} from "
                                            f"{_address(request)}", note=note)
        except BadInputError as error:  # add_evidence has recorded the refusal in the custody log
            records.audit(who.actor, _address(request), "evidence.uploaded", f"{case_id} {name}", f"refused: {error.reason}")
            return JSONResponse({"error": f"{name}: {error.reason}"}, 400)
        analysed = record.exhibit_id in case.latest_results_by_exhibit()
    records.audit(who.actor, _address(request), "evidence.uploaded", f"{case_id} {record.exhibit_id}",
                  "ok" if new else f"the same bytes as {record.exhibit_id}, already held")
    if new or not analysed:
        request.app.state.jobs.analyse(str(folder), case_id, record.exhibit_id, who.actor,
                                       f"forensics serve: upload of {name} by {who.actor}")
    return JSONResponse({"exhibit": record.exhibit_id, "new": new,
                         "url": f"/cases/{case_id}/exhibits/{record.exhibit_id}"})


async def exhibit_page(request: Request) -> Response:
    who, case_id, folder = _case_target(request)
    exhibit_id = request.path_params["exhibit_id"]
    jobs: Jobs = request.app.state.jobs

    def view() -> dict:
        from forensics.analysers import discover
        from forensics.data import shipped_error_rates
        from forensics.workflow import exhibit_findings

        with Case.open(folder) as case:
            record = _exhibit(case, exhibit_id)
            progress = jobs.progress(case_id, exhibit_id)
            running = progress is not None and progress.get("state") in ("queued", "running")
            if running or exhibit_id not in case.latest_results_by_exhibit():
                return {"record": record, "evidence": None, "progress": progress,
                        "analysers": [a.name for a in discover() if record.kind in a.kinds]}
            evidence, findings = exhibit_findings(case, exhibit_id)
            annotations = current_annotations(case.events())
        ordered = sorted(findings, key=lambda pair: (-pair[1].strength.rank, -pair[1].score))
        return {"record": record, "evidence": evidence, "findings": ordered, "progress": progress,
                "titles": {finding.key: finding.title for _, finding in findings},
                "annotations": annotations,
                "error_rates": shipped_error_rates(), "figure_sizes": _figure_sizes(evidence),
                "metadata": [entry for result in evidence.analysers for entry in result.appendix]}

    context = await run_in_threadpool(view)
    _records(request).audit(who.actor, _address(request), "exhibit.viewed", f"{case_id} {exhibit_id}")
    from forensics.report.render import PROPOSITION_WORDS

    return _page(request, "exhibit.html", case_id=case_id, statuses=[s.value for s in ReviewStatus],
                 propositions={p.value: words for p, words in PROPOSITION_WORDS.items()}, **context)


def _figure_sizes(evidence) -> dict[str, tuple[int, int]]:
    """Width and height of each PNG map that covers the whole picture (read from its header), by SHA-256."""
    import base64

    sizes = {}
    for result in evidence.analysers:
        for finding in result.findings:
            for fig in finding.figures:
                if fig.picture_area and fig.media_type == "image/png":
                    header = base64.b64decode(fig.data_base64[:44])
                    sizes[fig.sha256] = struct.unpack(">II", header[16:24])
    return sizes


async def analyse_again(request: Request) -> Response:
    """Analyse an exhibit again: after a failure, a server stopped mid-analysis, or a newer version of forensics.
    The earlier results stay in the case; the page shows the newest."""
    who, case_id, folder = _case_target(request)
    exhibit_id = request.path_params["exhibit_id"]
    await _form(request)
    _require(who.role.may_examine, "analyse evidence")
    with Case.open(folder) as case:
        _exhibit(case, exhibit_id)
    progress = request.app.state.jobs.progress(case_id, exhibit_id)
    if not progress or progress.get("state") not in ("queued", "running"):
        request.app.state.jobs.analyse(str(folder), case_id, exhibit_id, who.actor,
                                       f"forensics serve: analysis of {exhibit_id} asked by {who.actor}")
        _records(request).audit(who.actor, _address(request), "exhibit.analysed", f"{case_id} {exhibit_id}")
    return RedirectResponse(f"/cases/{case_id}/exhibits/{exhibit_id}", 303)


async def exhibit_progress(request: Request) -> Response:
    who = _who(request)
    case_id, exhibit_id = request.path_params["case_id"], request.path_params["exhibit_id"]
    _case_folder(request, who, case_id)
    if not EXHIBIT_ID.match(exhibit_id):
        raise HTTPException(404, "No such exhibit in this case.")
    progress = request.app.state.jobs.progress(case_id, exhibit_id) or {"state": "unknown"}
    return JSONResponse(progress, headers={"Cache-Control": "no-store"})


async def exhibit_preview(request: Request) -> Response:
    who, case_id, folder = _case_target(request)
    exhibit_id = request.path_params["exhibit_id"]
    previews = request.app.state.config.data / "previews"

    def make() -> Path | None:
        from forensics.workflow import exhibit_preview as preview_of

        with Case.open(folder) as case:
            record = _exhibit(case, exhibit_id)
            path = previews / f"{record.sha256}.jpg"
            if not path.exists():
                data = preview_of(case, record)
                if data is None:
                    return None
                partial = path.with_name(path.name + f".{secrets.token_hex(4)}.part")
                partial.write_bytes(data)
                partial.replace(path)
            return path

    path = await run_in_threadpool(make)
    if path is None:
        raise HTTPException(404, "This exhibit has no picture to show.")
    _records(request).audit(who.actor, _address(request), "exhibit.preview", f"{case_id} {exhibit_id}")
    return FileResponse(path, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})


async def download_original(request: Request) -> Response:
    who, case_id, folder = _case_target(request)
    exhibit_id = request.path_params["exhibit_id"]
    with Case.open(folder) as case:
        record = _exhibit(case, exhibit_id)
        path = case.object_path(record.sha256)
    _records(request).audit(who.actor, _address(request), "evidence.downloaded", f"{case_id} {exhibit_id}")
    return FileResponse(path, media_type="application/octet-stream",
                        filename=f"{exhibit_id}-{safe_file_name(record.original_name)}")


async def figure(request: Request) -> Response:
    import base64

    from forensics.workflow import exhibit_findings

    who, case_id, folder = _case_target(request)
    exhibit_id, sha = request.path_params["exhibit_id"], request.path_params["sha256"]
    if not SHA256.match(sha):
        raise HTTPException(404, "No such figure.")

    def find():
        with Case.open(folder) as case:
            _exhibit(case, exhibit_id)
            _, findings = exhibit_findings(case, exhibit_id)
        return next((fig for _, finding in findings for fig in finding.figures if fig.sha256 == sha), None)

    found = await run_in_threadpool(find)
    if found is None:
        raise HTTPException(404, "No such figure.")
    return Response(base64.b64decode(found.data_base64), media_type=found.media_type,
                    headers={"Cache-Control": "private, max-age=86400, immutable"})


async def annotate(request: Request) -> Response:
    from forensics.workflow import annotate_finding

    who, case_id, folder = _case_target(request)
    exhibit_id = request.path_params["exhibit_id"]
    form = await _form(request)
    _require(who.role.may_annotate, "annotate findings")
    key = form.get("finding", "")
    try:
        status = ReviewStatus(form.get("status", ""))
    except ValueError:
        _flash(request, "Choose your review: accepted, to-check or disputed.", "error")
        return RedirectResponse(f"/cases/{case_id}/exhibits/{exhibit_id}", 303)

    def record() -> None:
        with Case.open(folder) as case:
            _exhibit(case, exhibit_id)
            annotate_finding(case, exhibit_id, key, status, form.get("comment", ""), who.actor)

    try:
        await run_in_threadpool(record)
    except UsageError as error:
        _flash(request, str(error).replace("--comment: ", "Comment: "), "error")
    else:
        _records(request).audit(who.actor, _address(request), "annotation", f"{case_id} {exhibit_id} {key}", status.value)
        _flash(request, f"Your review of {key} ({status.value}) is recorded in the custody log.")
    return RedirectResponse(f"/cases/{case_id}/exhibits/{exhibit_id}#{re.sub(r'[^a-z0-9_.-]', '', key)}", 303)


# ----------------------------------------------------------------------------------------------- custody and reports


async def custody_page(request: Request) -> Response:
    who, case_id, folder = _case_target(request)
    with Case.open(folder) as case:
        meta, events = case.meta, case.events()
    _records(request).audit(who.actor, _address(request), "custody.viewed", case_id)
    return _page(request, "custody.html", case_id=case_id, meta=meta, events=events, verification=None)


async def verify_case(request: Request) -> Response:
    from forensics.workflow import verify_and_record

    who, case_id, folder = _case_target(request)
    await _form(request)
    _require(who.role.may_annotate, "verify cases (it is recorded in the custody log)")

    def run():
        with Case.open(folder) as case:
            report, problems = verify_and_record(case, who.actor)
            return report, problems, case.meta, case.events()

    report, problems, meta, events = await run_in_threadpool(run)
    _records(request).audit(who.actor, _address(request), "case.verified", case_id, "ok" if not problems else "FAILED")
    return _page(request, "custody.html", case_id=case_id, meta=meta, events=events,
                 verification={"report": report, "problems": problems})


async def render_report(request: Request) -> Response:
    who, case_id, folder = _case_target(request)
    await _form(request)
    _require(who.role.may_examine, "render reports")
    config = request.app.state.config
    output = folder / "reports" / f"web-{secrets.token_hex(4)}.pdf"
    try:
        report_id, digest = await asyncio.wrap_future(
            request.app.state.jobs.render(str(folder), str(output), who.actor, config.signing, config.tsa_url))
    except ForensicsError as error:
        _flash(request, f"The report could not be rendered: {error}", "error")
    else:
        _records(request).audit(who.actor, _address(request), "report.rendered", f"{case_id} {report_id}", digest)
        signed = "signed with the server's key" if config.signing else "not signed (the server has no signing key)"
        signed += ", timestamped" if config.tsa_url else ""
        _flash(request, f"Report {report_id} rendered, {signed}; SHA-256 {digest}.")
    return RedirectResponse(f"/cases/{case_id}", 303)


async def download_report(request: Request) -> Response:
    who, case_id, folder = _case_target(request)
    with Case.open(folder) as case:
        rendered = [e for e in case.events() if e.action == "report.rendered"]
        reports = (case.directory / "reports").resolve()
    path = Path(rendered[-1].details["output"]).resolve() if rendered else None
    if path is None or not path.is_relative_to(reports) or not path.is_file():
        raise HTTPException(404, "No report has been rendered for this case yet.")
    _records(request).audit(who.actor, _address(request), "report.downloaded", f"{case_id} {rendered[-1].details['report_id']}")
    return FileResponse(path, media_type="application/pdf", filename=f"{rendered[-1].details['report_id']}.pdf")


async def download_results(request: Request) -> Response:
    from forensics.workflow import case_results

    who, case_id, folder = _case_target(request)

    def results() -> str:
        with Case.open(folder) as case:
            return case_results(case).to_json()

    try:
        text = await run_in_threadpool(results)
    except ForensicsError:
        raise HTTPException(404, "No exhibit of this case has been analysed yet.") from None
    _records(request).audit(who.actor, _address(request), "results.downloaded", case_id)
    return Response(text, media_type="application/json",
                    headers={"Content-Disposition": 'attachment; filename="results.json"'})


async def verify_report_page(request: Request) -> Response:
    """Anyone may check a report here, without an account: a lawyer who received one."""
    from forensics.report.verify import verify_report

    if request.method == "GET":
        return _page(request, "verify.html", checks=None, name=None, error=None, trusted=False)
    limit = request.app.state.config.max_report_mib * 2**20
    declared = request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > limit:
        raise HTTPException(413, f"Send a report of at most {request.app.state.config.max_report_mib} MiB.")
    form = await request.form(max_files=2, max_fields=3)
    _check_csrf(request, str(form.get("csrf", "")))
    upload, certificate = form.get("report"), form.get("certificate")
    if upload is None or isinstance(upload, str):
        raise HTTPException(400, "Choose the report's PDF file.")
    pdf = await upload.read()
    name = safe_file_name(upload.filename or "report.pdf")
    trusted = await certificate.read(MAX_CERTIFICATE_BYTES + 1) if certificate and not isinstance(certificate, str) else b""
    checks, error = None, None
    if not pdf.startswith(b"%PDF"):
        error = f"{name} is not a PDF file."
    elif trusted and (len(trusted) > MAX_CERTIFICATE_BYTES or b"-----BEGIN CERTIFICATE-----" not in trusted):
        error = "The certificate must be a PEM file (it begins with -----BEGIN CERTIFICATE-----), at most 64 KiB."
    else:
        checks = await run_in_threadpool(_verify_with, verify_report, pdf, trusted)
    who = _identity(request)
    outcome = error or ("verified" if checks and all(c.ok is not False for c in checks) else "NOT verified")
    _records(request).audit(who.actor if who else "(not signed in)", _address(request), "report.checked", name, outcome)
    return _page(request, "verify.html", 400 if error else 200, checks=checks, name=name, error=error,
                 trusted=bool(trusted))


def _verify_with(verify_report, pdf: bytes, certificate: bytes) -> list:
    """``forensics verify`` on the uploaded report, trusting the uploaded signer certificate when one was given."""
    import tempfile

    if not certificate:
        return verify_report(pdf)
    with tempfile.NamedTemporaryFile(suffix=".pem") as trust:
        trust.write(certificate)
        trust.flush()
        return verify_report(pdf, trust=Path(trust.name))
