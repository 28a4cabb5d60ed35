"""Errors as RFC 9457 problem details (application/problem+json), with field-level details.

Every refusal of /api/v1 goes through here: the services' errors (one validation for the UI and
the API), FastAPI's request validation, and the API's own refusals (ApiProblem). `errors`
lists the fields at fault with the catalogue key (`code`, stable for programs) and the English
message (`detail`, for people)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from healthapp.api.deps import PRIVATE_HEADERS
from healthapp.domain.errors import NotFound, ServiceError, ThrottledError
from healthapp.i18n import translate
from healthapp.services.forms import FormInvalid

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://healthapp.invalid/problems/"


class FieldProblem(BaseModel):
    field: str
    code: str
    detail: str


class Problem(BaseModel):
    type: str = Field(description="A URI naming the kind of problem")
    title: str
    status: int
    detail: str = ""
    errors: list[FieldProblem] = []


class ApiProblem(Exception):
    def __init__(
        self, status: int, kind: str, title: str, detail: str = "", *,
        headers: dict[str, str] | None = None, errors: list[FieldProblem] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(title)
        self.problem = Problem(type=TYPE_BASE + kind, title=title, status=status, detail=detail,
                               errors=errors or [])  # fmt: skip
        self.headers = headers or {}


def respond(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(problem.model_dump(), status_code=problem.status, media_type=PROBLEM_JSON,
                        headers={**PRIVATE_HEADERS, "Cache-Control": "no-store",
                                 **(headers or {})})  # fmt: skip


def _field_problem(field: str | None, error: ServiceError) -> FieldProblem:
    return FieldProblem(field=field or error.field or "", code=error.key,
                        detail=translate("en", error.key, **error.params))  # fmt: skip


def not_signed_in() -> ApiProblem:
    return ApiProblem(401, "unauthorized", "Not signed in",
                      "Send a valid access token or personal access token as a Bearer token.",
                      headers={"WWW-Authenticate": 'Bearer realm="healthapp"'})  # fmt: skip


def service_problem(exc: ServiceError) -> Problem:
    if isinstance(exc, NotFound):
        return Problem(type=TYPE_BASE + "not-found", title="Not found", status=404,
                       detail="No such resource of yours.")  # fmt: skip
    if isinstance(exc, FormInvalid):
        errors = [_field_problem(field, error) for field, error in exc.errors.items()]
    else:
        errors = [_field_problem(None, exc)]
    status = 429 if isinstance(exc, ThrottledError) else 422
    return Problem(type=TYPE_BASE + ("throttled" if status == 429 else "invalid"),
                   title="Too many attempts" if status == 429 else "Invalid request",
                   status=status, detail=translate("en", exc.key, **exc.params),
                   errors=errors)  # fmt: skip


async def on_service_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    headers = {}
    if isinstance(exc, ThrottledError):
        headers["Retry-After"] = str(exc.retry_after)
    return respond(service_problem(exc), headers)


async def on_api_problem(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiProblem)
    return respond(exc.problem, exc.headers)


async def on_request_invalid(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        FieldProblem(field=".".join(str(p) for p in error.get("loc", ())[1:]) or "body",
                     code=f"request.{error.get('type', 'invalid')}",
                     detail=str(error.get("msg", "invalid")))
        for error in exc.errors()
    ]  # fmt: skip
    return respond(Problem(type=TYPE_BASE + "invalid", title="Invalid request", status=422,
                           detail="The request does not match the API's schema.",
                           errors=errors))  # fmt: skip


async def on_http_error(_request: Request, exc: Exception) -> JSONResponse:
    status: int = getattr(exc, "status_code", 500)
    detail: Any = getattr(exc, "detail", "")
    return respond(Problem(type="about:blank", title=str(detail or "Error"), status=status),
                   getattr(exc, "headers", None) or {})  # fmt: skip


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": Problem, "content": {PROBLEM_JSON: {}},
                     "description": _DESCRIPTIONS[status]} for status in statuses}  # fmt: skip


_DESCRIPTIONS = {
    400: "Malformed request body", 401: "Not signed in", 403: "Token lacks the scope",
    404: "Not found", 409: "The same request is in progress", 412: "The record has changed",
    413: "The body is larger than the upload limit", 415: "Unsupported media type",
    422: "Invalid request", 429: "Rate limited", 503: "A service is unavailable; retry later",
}  # fmt: skip
PROBLEM_RESPONSES = problem_responses(400, 401, 403, 404, 422, 429)
