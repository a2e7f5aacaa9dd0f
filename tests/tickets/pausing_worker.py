"""A documents worker whose render jobs pause (so a test can SIGKILL it mid-job).

    python -m tests.tickets.pausing_worker '<json config for create_app>'

The pause (DOCUMENT_RENDER_PAUSE) is honoured only by a TESTING app, which `worker.py` never
builds: hence this small runner, with the worker class of `worker.py`.
"""

from __future__ import annotations

import json
import sys

from app import create_app
from worker import build_worker, preload_heavy_modules


def main() -> None:
    config = json.loads(sys.argv[1])
    config["TESTING"] = True
    app = create_app(config)
    preload_heavy_modules()
    worker = build_worker(app, queues=["documents"], with_periodic=False)
    worker.work(burst=True, with_scheduler=False)


if __name__ == "__main__":
    main()
