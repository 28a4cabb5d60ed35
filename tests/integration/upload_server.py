"""The app the upload-limit test serves with granian, as production serves the backend: the
real UploadLimits in front of an upload route that, like Reflex's buffered upload and
save_meal, parses the multipart body and reads every file into memory. Without the limits a
200 MB body would grow this process by 200 MB."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from healthapp.api.upload_limits import UPLOAD_PATH, limit_uploads

kept: list[bytes] = []  # what a handler holds on to (the old CSV preview kept its bytes)


async def upload(request: Request) -> Response:
    try:
        form = await request.form()
    except ClientDisconnect:  # what UploadLimits makes of a body over the limit; as Reflex does
        return Response()
    total = 0
    for value in form.getlist("files"):
        if isinstance(value, UploadFile):
            data = await value.read()
            kept.append(data)
            total += len(data)
    await form.close()
    return JSONResponse({"read": total})


app = limit_uploads(Starlette(routes=[Route(UPLOAD_PATH, upload, methods=["POST"])]))
