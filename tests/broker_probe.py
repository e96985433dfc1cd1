"""A task for the broker stress test alone: it appends its number to a file (see test_broker_stress).

Loaded into a real worker with `celery worker --include tests.broker_probe`; an O_APPEND write of a
few bytes is atomic, so concurrent runs never interleave their lines.
"""

import os

from celery import shared_task


@shared_task(name="tests.broker_probe.record")
def record(number: int) -> None:
    fd = os.open(os.environ["PROBE_FILE"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{number}\n".encode())
    finally:
        os.close(fd)
