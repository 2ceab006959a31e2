"""The systemd unit in deploy/ as systemd itself reads it (`systemd-analyze verify`), and the
promises the README makes about it."""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import sysconfig
from pathlib import Path

from tests.helpers.harness import ROOT
from tgbot.delivery.deliverer import STOP_TIMEOUT

UNIT = ROOT / "deploy" / "tgbot.service"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read_string(UNIT.read_text(encoding="utf-8"))
    return parser


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    """Verified with this machine's install of tgbot in place of /opt/tgbot/bin: systemd
    checks that the commands exist, so the unit names the programs the package installs."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: apt-get install systemd (.ci/run does)"
    installed = Path(sysconfig.get_path("scripts"))  # where pip put the `tgbot` command
    assert (installed / "tgbot").exists(), f"no tgbot in {installed}: pip install -e ."
    copy = tmp_path / "tgbot.service"
    copy.write_text(UNIT.read_text(encoding="utf-8").replace("/opt/tgbot/bin/",
                                                             f"{installed}/"), encoding="utf-8")
    result = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True,
                            timeout=60)
    # systemd only warns about an unknown key or a bad value: any output is a failure here
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_the_unit_restarts_on_failure_as_its_own_user_and_stops_gracefully() -> None:
    service = unit()["Service"]
    assert service["Restart"] == "on-failure"
    assert service["User"] not in ("", "root") and service["Group"] == service["User"]
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert service["ExecStart"].endswith("tgbot run")
    assert service["KillSignal"] == "SIGTERM"
    # the rows in flight get STOP_TIMEOUT seconds, then the lock goes and the database closes
    assert int(service["TimeoutStopSec"]) >= STOP_TIMEOUT + 10
    assert service["RestartPreventExitStatus"] == "2"  # a setting to fix is not retried
    # a broken campaign file is a warning: the bot runs the last good campaign it stored
    assert service["ExecStartPre"] == "-/opt/tgbot/bin/tgbot check"


def test_the_unit_is_hardened() -> None:
    """`systemd-analyze security` rated the unit 6.5 ("MEDIUM") before it was hardened."""
    analyze = shutil.which("systemd-analyze")
    assert analyze, "systemd-analyze is missing: apt-get install systemd (.ci/run does)"
    result = subprocess.run([analyze, "security", "--offline=true", "--no-pager", str(UNIT)],
                            capture_output=True, text=True, timeout=60)
    found = re.search(r"Overall exposure level for tgbot\.service: (\d+\.\d+)", result.stdout)
    assert found, result.stdout + result.stderr
    assert float(found[1]) <= 2.0, result.stdout
    service = unit()["Service"]
    assert service["UMask"] == "0077"  # the database and its journal are the bot's alone
    assert int(service["LimitNOFILE"]) >= 65536


# `pip install <target>`, flags skipped: the target must be a path (a checkout or a wheel)
_PIP_INSTALL = re.compile(r"pip install((?:\s+-[-\w]+)*)\s+['\"]?([^'\"\s`]+)")


def test_every_install_line_installs_the_operators_own_checkout() -> None:
    """No instruction installs a name from PyPI: neither `tgbot` (someone else's project)
    nor this project's distribution name, which is not published and anyone could take."""
    texts = [ROOT / "README.md", UNIT, *sorted((ROOT / "tgbot").rglob("*.py"))]
    targets = [(path.name, match[2]) for path in texts
               for match in _PIP_INSTALL.finditer(path.read_text(encoding="utf-8"))]
    assert len(targets) >= 5  # the README's, the unit's and the error hint's
    for where, target in targets:
        assert target.startswith((".", "/")), (where, target)
    header = UNIT.read_text(encoding="utf-8").split("[Unit]")[0]
    # the env file's folder does not exist on a fresh machine: `install -D` creates it
    assert all(" -D " in line for line in header.splitlines() if " install -" in line)
