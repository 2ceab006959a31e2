"""Headless Chromium for the tests that look at pages as a reader's browser draws them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

# No first-run pages, no background updates or sync: the browser loads what the page asks for.
CHROMIUM = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--hide-scrollbars", "--virtual-time-budget=5000"]


def chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    """Run headless Chromium (installed by .ci/run) with a throwaway profile."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    assert binary, "Chromium is needed for this test: apt-get install chromium (see .ci/run)"
    return subprocess.run([binary, *CHROMIUM, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)
