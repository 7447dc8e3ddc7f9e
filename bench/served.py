"""`make serve`'s server with two routes only the benchmarks have: `python -m bench.served`.

bench/server.py starts this module instead of facilitator.serve when asked
(`gunicorn(..., bench_routes=True)`). Everything else is facilitator.serve's own:
settings, checks, the app. The app itself never has these routes.

- GET /bench/bytes: the file named by FACILITATOR_BENCH_BYTES, read once per worker and
  kept, returned as it is: what any route that only hands out bytes it already holds
  costs. The cached feed is measured beside it.
- GET /bench/caches: this worker's process id and, for each cache of built responses,
  its bytes, budget and builds so far, and the directory's week cache's meetings kept and
  capacity, as JSON.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from flask import Flask
from flask import Response
from flask import current_app
from flask import jsonify

from facilitator import create_app
from facilitator import serve
from facilitator.caching import BytesCache

_kept: dict[str, bytes] = {}


def with_bench_routes() -> Flask:
    app = create_app()

    @app.get("/bench/bytes")
    def bench_bytes() -> Response:
        if "body" not in _kept:
            _kept["body"] = Path(os.environ["FACILITATOR_BENCH_BYTES"]).read_bytes()
        return Response(_kept["body"], mimetype="text/calendar")

    @app.get("/bench/caches")
    def bench_caches() -> Response:
        caches = {name.removeprefix("facilitator."): cache
                  for name, cache in current_app.extensions.items()
                  if isinstance(cache, BytesCache)}
        weeks = current_app.extensions.get("facilitator.week_cache")
        return jsonify(pid=os.getpid(), caches={
            name: {"bytes": cache._size, "budget": cache._budget, "builds": cache.builds,
                   **({"events": len(cache.events), "events_limit": cache.events.limit}
                      if hasattr(cache, "events") else {})}
            for name, cache in caches.items()}, weeks=None if weeks is None else {
                "meetings": weeks.meetings_kept, "capacity": weeks.capacity,
                "builds": weeks.builds})

    return app


if __name__ == "__main__":
    serve.create_app = with_bench_routes  # type: ignore[assignment]
    sys.exit(serve.main())
