"""Operating Lupe: structured logs, the access log and Prometheus metrics."""

from __future__ import annotations

import os
from pathlib import Path

# prometheus_client's multiprocess mode: every worker writes its figures into this folder.
MULTIPROCESS_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


def prepare_multiprocess_folder(folder: Path) -> None:
    """Empty ``folder`` of old figures and point this process (and the workers it starts) at it."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.db"):
        old.unlink()
    os.environ[MULTIPROCESS_VARIABLE] = str(folder)
