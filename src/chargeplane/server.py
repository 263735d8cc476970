"""Running the app under uvicorn with the settings that matter for thousands of chargers."""

from __future__ import annotations

import gc

import uvicorn

from chargeplane.app import Chargeplane
from chargeplane.config import Settings


def uvicorn_config(app: Chargeplane, settings: Settings, *, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        log_level=settings.log_level.lower(),
        access_log=False,  # per-request lines would dominate the log; problems are logged where they arise
        ws_max_size=settings.ocpp_max_frame_bytes,
        # Compression contexts cost ~300 kB per socket, and OCPP frames are small: off.
        ws_per_message_deflate=False,
        ws_ping_interval=settings.ocpp_ping_interval,
        ws_ping_timeout=settings.ocpp_ping_timeout,
        timeout_keep_alive=30,
        backlog=4096,
    )


def tune_gc() -> None:
    """Measured: with default thresholds (700, 10, 10) a process holding 10,000 sockets saw 600 ms
    gen-2 pauses; the older generations must be collected rarely. A large young generation is no cure
    either: at 50,000 objects each young collection took 20-400 ms under load. At 10,000 it takes
    1-2 ms (bench/, docs/performance.md); start-up objects are frozen by the app once it is up."""
    gc.set_threshold(10_000, 50, 100)


def serve(settings: Settings, *, host: str, port: int) -> None:
    tune_gc()
    app = Chargeplane(settings)
    uvicorn.Server(uvicorn_config(app, settings, host=host, port=port)).run()
