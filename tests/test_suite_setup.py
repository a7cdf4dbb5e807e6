"""The suite itself passes anywhere (issue 17, item 1): a hanging test fails and is named
instead of stalling the run, and the raster tests can run as without pyvips."""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import pytest

from graphviz_ad.draw import raster

ROOT = Path(__file__).resolve().parent.parent


def _pytest_settings() -> configparser.SectionProxy:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    return config["tool:pytest"]


def test_a_hanging_test_fails_and_is_named(tmp_path: Path) -> None:
    pytest.importorskip("pytest_timeout")
    settings = _pytest_settings()
    assert 0 < int(settings["timeout"]) <= 600
    (tmp_path / "test_stuck.py").write_text(
        "import threading\n"
        "def test_deadlocks():\n"
        "    lock = threading.Lock()\n"
        "    lock.acquire()\n"
        "    lock.acquire()\n"
        "def test_after_it():\n"
        "    pass\n")
    # the suite's own method, with a limit short enough for a test
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "timeout=2",
         "-o", f"timeout_method={settings['timeout_method']}", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED test_stuck.py::test_deadlocks" in result.stdout
    assert "Timeout" in result.stdout
    assert "1 failed, 1 passed" in result.stdout  # the run went on


def test_pyvips_can_be_blocked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(raster.NO_VIPS_VARIABLE, "1")
    assert raster._vips() is None
    monkeypatch.setenv(raster.NO_VIPS_VARIABLE, "0")
    monkeypatch.setitem(sys.modules, "pyvips", None)  # as when it is not installed
    assert raster._vips() is None


def test_ci_runs_the_readme_command_and_the_raster_tests_without_pyvips() -> None:
    readme_command = "bash scripts/install.sh --test && python3 -m pytest && python3 -m mypy"
    assert readme_command in (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert f"{readme_command} || status=$?" in ci
    raster_run = "GRAPHVIZ_AD_NO_VIPS=1 python3 -m pytest -m raster -p no:cacheprovider"
    assert f"{raster_run} || status=$?" in ci
    assert ci[-1] == 'exit "$status"'  # either failing fails CI


@pytest.mark.parametrize("readme, raster, code", [(0, 0, 0), (1, 0, 1), (0, 5, 5)])
def test_ci_fails_when_either_run_fails(tmp_path: Path, readme: int, raster: int,
                                        code: int) -> None:
    """.ci/run with its commands replaced by ones exiting with the given codes."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    script = script.replace('cd "$(dirname "$0")/.."', "true")
    script = script.replace("bash scripts/install.sh --test && python3 -m pytest && "
                            "python3 -m mypy", f"true && (exit {readme}) && true")
    script = script.replace("GRAPHVIZ_AD_NO_VIPS=1 python3 -m pytest -m raster "
                            "-p no:cacheprovider", f"(exit {raster})")
    assert "python3" not in script
    (tmp_path / "run").write_text(script, encoding="utf-8")
    assert subprocess.run(["bash", str(tmp_path / "run")], timeout=60).returncode == code
