"""Downloads of a scenario's trace: Keras script, notebook, PyTorch twin, JSON, CSV, NPZ."""

from __future__ import annotations

from typing import Literal

import anyio
import orjson
from fastapi import APIRouter, Request, Response

from app import export, export_torch
from app.api.deps import TracesDep, owner, while_connected
from app.api.errors import LAB_ERRORS
from app.scenario import Scenario
from app.schemas import TraceDoc, plain

router = APIRouter(prefix="/api/export", tags=["export"])
Format = Literal["py", "ipynb", "torch", "json", "csv", "npz"]
NAMES = {"torch": "lstm_state_lab_torch_twin.py"}
MEDIA = {
    "py": "text/x-python",
    "torch": "text/x-python",
    "ipynb": "application/x-ipynb+json",
    "json": "application/json",
    "csv": "text/csv",
    "npz": "application/octet-stream",
}


def _build(trace: TraceDoc, fmt: str) -> bytes:
    if fmt == "json":
        return orjson.dumps(plain(trace, arrays=True), option=orjson.OPT_SERIALIZE_NUMPY)
    if fmt == "csv":
        return export.trace_csv(trace).encode()
    if fmt == "npz":
        return export.trace_npz(trace)
    if fmt == "torch":
        return export_torch.script(trace).encode()
    return (export.script(trace) if fmt == "py" else export.notebook(trace)).encode()


@router.post("/{fmt}", response_class=Response, responses=LAB_ERRORS)
async def export_trace(
    fmt: Format, scenario: Scenario, request: Request, traces: TracesDep
) -> Response:
    """The scenario's verified trace as a file; `py` and `ipynb` reproduce it with plain Keras,
    `torch` with plain PyTorch (Keras's weights converted, the hidden state carried).
    Priced and queued like POST /api/traces (the same trace, shared when identical)."""
    trace = await while_connected(request, traces.trace(scenario, owner(request)))
    body = await anyio.to_thread.run_sync(_build, trace, fmt)  # no TF: off the loop only
    name = NAMES.get(fmt, f"lstm_state_lab_trace.{fmt}")
    return Response(
        body,
        media_type=MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
