"""Every variable the settings read is documented in .env.example (DESIGN.md: "documents every variable")."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_read_from_the_environment_is_in_env_example() -> None:
    read = set(re.findall(r'env\.\w+\(\s*"([A-Z0-9_]+)"', (ROOT / "portal" / "settings.py").read_text()))
    documented = set(
        re.findall(r"^#?\s*([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), flags=re.MULTILINE)
    )
    assert {"DEBUG", "TRUSTED_PROXIES", "REQUIRE_2FA_FOR_ADMINS"} <= read
    assert sorted(read - documented) == []
