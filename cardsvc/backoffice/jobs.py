"""Code generation runs in the background so the page can show its progress: one thread per
run, its progress and, when done, the codes as a CSV held in memory until the person who
started it downloads them (codes are bearer secrets: only their hashes are stored, so this is
the one copy). Bounded: at most JOBS_MAX runs are kept, the oldest finished ones dropped first.
Runs belong to this process: behind several workers, pin the back office to one (sticky)."""

from __future__ import annotations

import csv
import io
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from cardsvc.backoffice.fmt import day
from cardsvc.vouchers.codes import display
from cardsvc.vouchers.generate import Generated

JOBS_MAX = 16
KEEP_S = 3600


@dataclass
class Job:
    id: str
    owner: str
    campaign: str
    total: int
    stage: str = "start"
    done: int = 0
    error: str = ""
    csv: bytes | None = None
    finished: bool = False
    started: float = field(default_factory=time.monotonic)


class Jobs:
    def __init__(self) -> None:
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, owner: str, campaign: str, total: int,
              work: Callable[[Callable[[str, int, int], None]], Generated]) -> Job:  # fmt: skip
        job = Job("J" + secrets.token_hex(8), owner, campaign, total)
        with self._lock:
            self._evict()
            self._jobs[job.id] = job

        def progress(stage: str, done: int, of: int) -> None:
            job.stage, job.done, job.total = stage, done, of

        def run() -> None:
            try:
                job.csv = codes_csv(work(progress))
            except Exception as exc:  # a refusal (budget, no QR key) is shown on the page
                job.error = str(exc) or type(exc).__name__
            finally:
                job.finished = True

        threading.Thread(target=run, name=f"codes-{job.id}", daemon=True).start()
        return job

    def get(self, job_id: str, owner: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None

    def take_csv(self, job: Job) -> bytes | None:
        """The codes, once: after the download only the hashes remain anywhere."""
        with self._lock:
            data, job.csv = job.csv, None
        return data

    def _evict(self) -> None:
        now = time.monotonic()
        for key in [k for k, j in self._jobs.items() if j.finished and now - j.started > KEEP_S]:
            del self._jobs[key]
        while len(self._jobs) >= JOBS_MAX:
            finished = [k for k, j in self._jobs.items() if j.finished]
            if not finished:
                raise RuntimeError("too many code generations running")
            del self._jobs[finished[0]]


JOBS = Jobs()


def codes_csv(batch: Generated) -> bytes:
    """Code, instrument, value, validity (local dates) and the signed QR text, one per line."""
    spec = batch.campaign.spec
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(("code", "instrument", "campaign", "kind", "face_value", "valid_from",
                "valid_until", "qr"))  # fmt: skip
    for c in batch.codes:
        w.writerow((display(c.code), c.instrument, batch.campaign.id, batch.campaign.kind,
                    batch.campaign.face_value, day(spec.valid_from) if spec.valid_from else "",
                    day(spec.valid_until - 1) if spec.valid_until else "", c.payload))  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8")
