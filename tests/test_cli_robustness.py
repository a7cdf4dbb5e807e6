"""The CLI under hostile conditions: unusable --out, bad --slide, Ctrl-C, SIGTERM.

Every failure is one ``graphviz-ad: error: …`` line on stderr with a non-zero exit code,
no Python traceback, no temporary files and no files graphviz-ad did not write touched.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphviz_ad.cli import main
from graphviz_ad.cli.common import reports_errors
from graphviz_ad.draw import raster, writers

GRAPHS = Path(__file__).resolve().parent.parent / "graphs"
RF = ["rf", "--layer", "k=3", "--layer", "k=3"]
EXPR = ["render", "y = sin(x)", "--at", "x=1"]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def assert_one_line_error(result, code: int, *words: str) -> None:
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("graphviz-ad: error: "), result.stderr
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for word in words:
        assert word in lines[0], (word, lines[0])


def no_temp_files(root: Path) -> bool:
    return not [p for p in root.rglob("*") if ".tmp" in p.name]


needs_dot = pytest.mark.skipif(
    subprocess.run(["which", "dot"], capture_output=True).returncode != 0,
    reason="Graphviz 'dot' missing")


@needs_dot
@pytest.mark.parametrize("command", [EXPR + ["--format", "png"], RF + ["--format", "svg,dot"]],
                         ids=["render", "rf"])
@pytest.mark.parametrize("where", ["file", "under-file"])
def test_out_is_unusable(tmp_path: Path, command: list[str], where: str) -> None:
    blocker = tmp_path / "f"
    blocker.write_text("hi")
    out = blocker if where == "file" else blocker / "sub"
    result = run(*command, "--out", str(out))
    assert_one_line_error(result, 2, f"cannot write to {out}", "not a directory")
    assert blocker.read_text() == "hi"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]


@needs_dot
def test_gallery_out_is_unusable(tmp_path: Path) -> None:
    graphs = tmp_path / "graphs"
    graphs.mkdir()
    (graphs / "p.toml").write_text((GRAPHS / "problem9.toml").read_text())
    blocker = tmp_path / "f"
    blocker.write_text("hi")
    result = run("gallery", str(graphs), "--out", str(blocker), "--format", "svg")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert f"cannot write to {blocker / 'p'}" in result.stderr
    assert blocker.read_text() == "hi"


def test_os_error_is_one_line() -> None:
    @reports_errors
    def boom() -> None:
        open("/nonexistent-dir/x.txt")  # noqa: SIM115

    import click

    result = CliRunner().invoke(click.command()(boom), [])
    assert_one_line_error(result, 2, "/nonexistent-dir/x.txt: No such file or directory")


@needs_dot
@pytest.mark.parametrize("slide", ["0:9", "100000:1", "1:100", "abc"])
def test_bad_slide(tmp_path: Path, slide: str) -> None:
    out = tmp_path / "out"
    for command in (EXPR + ["--format", "png"], RF + ["--format", "png"]):
        result = run(*command, "--slide", slide, "--out", str(out))
        assert_one_line_error(result, 2, "slide ratio", "16:9")
        assert not out.exists()  # no empty output directory left behind


def test_deferred_sigint_raised_from_python() -> None:
    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):  # noqa: PT012
        with raster.deferred_signals() as check:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.05)  # the handler only sets a flag: nothing raised yet
            reached = True
            check()
    assert reached
    assert signal.getsignal(signal.SIGINT) is before


@needs_dot
@pytest.mark.parametrize("where", ["this thread", "libvips threads"])
def test_ctrl_c_inside_a_library_callback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          where: str) -> None:
    """libvips swallows exceptions raised in its cffi callbacks; Ctrl-C must still stop.

    The patched job runs where the signal reaches this process: in this thread (one
    worker), or on the thread pool used with libvips.  Without pyvips the frames are
    drawn in worker processes, which a patched job cannot be sent to, and which leave
    Ctrl-C to this one: that case is covered by test_signal_mid_render_cleans_up."""
    if where == "this thread":
        monkeypatch.setattr(raster, "WORKERS", 1)
    elif raster._vips() is None:
        pytest.skip("needs pyvips (the fast extra): without it frames are drawn in processes")
    real_job = raster._job
    calls = []

    def job_with_swallowing_callback(args):
        calls.append(1)
        if len(calls) == 2:
            try:  # what cffi does with an exception raised inside a callback
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)
            except KeyboardInterrupt:  # pragma: no cover - the bug this test guards against
                pass
        return real_job(args)

    monkeypatch.setattr(raster, "_job", job_with_swallowing_callback)
    (tmp_path / "keep.txt").write_text("mine")
    result = run("render", str(GRAPHS / "problem9.toml"), "--format", "png,gif",
                 "--out", str(tmp_path))
    assert_one_line_error(result, 130, "interrupted")
    assert len(calls) < 5  # stopped right after the interrupted frame
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def _children(pid: int) -> set[int]:
    kids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.add(int(stat.parent.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@needs_dot
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
@pytest.mark.parametrize("sig, when, code", [
    (signal.SIGTERM, ".png", 143),   # while rasterizing
    (signal.SIGTERM, ".pdf", 143),   # while the PDF process pool runs
    (signal.SIGINT, ".png", 130),
], ids=["term-raster", "term-pdf-pool", "int-raster"])
def test_signal_mid_render_cleans_up(tmp_path: Path, sig: int, when: str, code: int) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    proc = subprocess.Popen(
        [sys.executable, "-m", "graphviz_ad", "render", str(GRAPHS / "problem8.toml"),
         "--format", "png,pdf", "--slide", "16:9", "--out", str(out), "--no-progress"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        started = False
        while time.monotonic() < deadline and proc.poll() is None:
            if any(out.glob(f".graphviz-ad-*/*{when}")):  # staged in the private directory
                started = True
                break
            time.sleep(0.005)
        kids = _children(proc.pid)
        if not started or proc.poll() is not None:
            proc.kill()
            proc.communicate()
            pytest.skip("the render finished (or never started writing) before the signal")
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    if proc.returncode == 0:
        pytest.skip("the render finished before the signal arrived")
    assert proc.returncode == code, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert err.strip().splitlines()[-1].startswith("graphviz-ad: error: "), err
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]  # nothing half-written
    time.sleep(0.2)
    assert not [k for k in kids if _alive(k)], "pool workers survived"


def test_mp4_cap_helper() -> None:
    assert writers.mp4_size((1920, 1080)) == (1920, 1080)
    assert writers.mp4_size((3000, 3000)) == (1080, 1080)


def test_gallery_stops_once_on_an_unusable_out_or_slide(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("mine")
    graphs = str(Path(__file__).resolve().parents[1] / "graphs")
    result = CliRunner().invoke(main, ["gallery", graphs, "--out", str(blocker),
                                       "--format", "svg"])
    assert result.exit_code == 2 and "is not a directory" in result.stderr
    assert result.stderr.count("error:") == 1 and blocker.read_text() == "mine"
    result = CliRunner().invoke(main, ["gallery", graphs, "--out", str(tmp_path / "g"),
                                       "--slide", "0:1"])
    assert result.exit_code == 2 and "slide ratio" in result.stderr
    assert not (tmp_path / "g").exists()


def test_closed_pipe_exits_quietly():
    """`graphviz-ad jacobian … | head -1`: no error message, no traceback, SIGPIPE's status."""
    proc = subprocess.Popen([sys.executable, "-m", "graphviz_ad", "jacobian",
                             "s = softmax(z)", "--at", "z=[" + ",".join("1" * 400) + "]",
                             "--wrt", "z"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.readline()
    proc.stdout.close()  # the reader goes away before the 400 rows are printed
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 128 + signal.SIGPIPE
    assert stderr == ""
