"""The versioned REST API, /api/v1 (mounted by api/app.py): its OpenAPI 3.1 document at
/api/v1/openapi.json and interactive docs at /api/v1/docs, served from the swagger-ui-bundle
package (nothing is fetched from a CDN)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from swagger_ui_bundle import swagger_ui_path

from healthapp.api.v1 import auth, exports, insights, meal_items, meals, records
from healthapp.api.v1.bearer_first import BearerFirst
from healthapp.api.v1.problems import (
    ApiProblem,
    on_api_problem,
    on_http_error,
    on_request_invalid,
    on_service_error,
)
from healthapp.domain.errors import ServiceError

BASE = "/api/v1"
DESCRIPTION = """\
healthapp's API for phone apps, meters and scripts. Authenticate with `POST /auth/token`
(OAuth 2.0 password grant) and send the access token as `Authorization: Bearer ...`, or create a
personal access token (Settings, or `POST /tokens`). Errors are RFC 9457 problem details.
See docs/api.md for examples."""

v1 = FastAPI(
    title="healthapp API",
    version="1.0.0",
    description=DESCRIPTION,
    openapi_url="/openapi.json",
    docs_url=None,
    redoc_url=None,
)
v1.add_exception_handler(ServiceError, on_service_error)
v1.add_exception_handler(ApiProblem, on_api_problem)
v1.add_exception_handler(RequestValidationError, on_request_invalid)
v1.add_exception_handler(HTTPException, on_http_error)
v1.include_router(auth.router)
v1.include_router(insights.router)
for router in [*records.routers, meals.router, meal_items.items, meal_items.jobs,
               meal_items.photos, exports.router]:  # fmt: skip
    v1.include_router(router)
v1.mount("/docs/static", StaticFiles(directory=swagger_ui_path), name="swagger-ui")
v1.add_middleware(BearerFirst)


@v1.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=f"{BASE}/openapi.json",
        title="healthapp API",
        swagger_js_url=f"{BASE}/docs/static/swagger-ui-bundle.js",
        swagger_css_url=f"{BASE}/docs/static/swagger-ui.css",
        swagger_favicon_url=f"{BASE}/docs/static/favicon-32x32.png",
    )
