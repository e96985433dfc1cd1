"""Generated development secrets, kept under `var/` (git-ignored).

Only used when the environment sets no `SECRET_KEY` / `PORTAL_ENCRYPTION_KEYS` /
`PORTAL_TOKEN_PEPPER`; with `DEBUG=false` the deploy checks refuse to start on these (see
`integrations.checks`).
"""

import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet

DEV_SECRET_KEY_FILE = "dev-secret-key"  # noqa: S105 (a file name, not a key)
DEV_ENCRYPTION_KEYS_FILE = "dev-encryption.keys"
DEV_TOKEN_PEPPER_FILE = "dev-token-pepper"  # noqa: S105 (a file name)


def _read_or_create(path: Path, make: Callable[[], str]) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write a private temp file, then hard-link it into place: link fails if the file exists,
        # so two processes starting together (web and worker) agree on one key, and nobody ever
        # reads a half-written file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(make() + "\n")
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip()


def dev_secret_key(var_dir: Path) -> str:
    return _read_or_create(var_dir / DEV_SECRET_KEY_FILE, lambda: secrets.token_urlsafe(50))


def dev_encryption_keys(var_dir: Path) -> list[str]:
    text = _read_or_create(var_dir / DEV_ENCRYPTION_KEYS_FILE, lambda: Fernet.generate_key().decode())
    return [line.strip() for line in text.splitlines() if line.strip()]


def dev_token_pepper(var_dir: Path) -> str:
    return _read_or_create(var_dir / DEV_TOKEN_PEPPER_FILE, lambda: secrets.token_urlsafe(32))


def read_key_file(path: str) -> tuple[list[str], str]:
    """The keys of PORTAL_ENCRYPTION_KEYS_FILE, one a line, and what is wrong with it ('' if nothing).

    A file that cannot be read is not raised here, at settings import, as a traceback of open():
    the ring (integrations.crypto) refuses with these words, so every entry point says it the way
    it says any other start-up problem ("Refusing to start the worker: ...", a system check error).
    """
    try:
        text = Path(path).read_text()
    except OSError as exc:
        return [], (
            f"PORTAL_ENCRYPTION_KEYS_FILE names {path}, which cannot be read ({exc.strerror or exc}): "
            "point it at the file holding the Fernet keys, one a line, or set PORTAL_ENCRYPTION_KEYS."
        )
    return [line.strip() for line in text.splitlines() if line.strip()], ""
