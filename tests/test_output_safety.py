"""Output under attack: hostile names, planted links, interrupted commits, races, bad manifests.

Whatever a graph file or a shared output directory holds, graphviz-ad writes only inside
``--out``, never through a link, and a render's files (with the manifest) change all
together or not at all.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphviz_ad.cli import main
from graphviz_ad.draw import staging, writers
from graphviz_ad.draw.frames import Frame
from graphviz_ad.draw.names import OutputError, confine, safe_stem

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' missing")

PROGRAM = 'program = "y = x^2"\n[inputs]\nx = 1.0\n'


def svg_frames(n: int, tag: str = "") -> list[Frame]:
    """``n`` tiny frames (no Graphviz needed for svg/html output); ``tag`` marks content."""
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="40pt" height="20pt" '
           'viewBox="0 0 40 20"><text x="1" y="10">{}</text></svg>')
    return [Frame(svg.format(f"{tag} {i}"), f"step {i}", 500) for i in range(n)]


def snapshot(root: Path, skip: Path | None = None) -> dict[str, tuple]:
    """Every entry under ``root`` except ``skip`` and what it holds (links not followed):
    mode, size, mtime, link target."""
    seen = {}
    for top, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if Path(top) / d != skip]
        for name in dirs + files:
            path = Path(top) / name
            if path == skip:
                continue
            info = path.lstat()
            target = os.readlink(path) if path.is_symlink() else None
            seen[str(path.relative_to(root))] = (info.st_mode, info.st_size, info.st_mtime_ns,
                                                 target)
    return seen


def private_dirs(out: Path) -> list[Path]:
    return sorted(out.glob(staging.PRIVATE_PREFIX + "*"))


def assert_one_line_error(result, *words: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("graphviz-ad: error: "), result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0], (word, lines[0])


# --- 1. names from input stay inside --out -------------------------------------------------

def test_safe_stem() -> None:
    assert safe_stem("problem9") == "problem9"
    assert safe_stem("../../victim/x") == "victim-x"
    for bad in ("..", ".", "", "/", "-.-", "\n"):
        assert safe_stem(bad) == "untitled"
    assert safe_stem(".hidden") == "hidden"
    assert safe_stem("a}\\typeout{PWNED}%\nb") == "a-typeout-PWNED-b"
    assert safe_stem("épreuve 1") == "épreuve-1"
    assert len(safe_stem("é" * 10_000).encode()) <= 120


def test_confine_refuses_paths_and_hidden_names(tmp_path: Path) -> None:
    assert confine(tmp_path, "a.svg") == tmp_path / "a.svg"
    for bad in ("../a.svg", "/etc/passwd", "a/b.svg", "..", ".", "", "a\0b"):
        with pytest.raises(OutputError, match="would leave"):
            confine(tmp_path, bad)
    with pytest.raises(OutputError, match="hidden"):
        confine(tmp_path, ".graphviz-ad.json")
    with pytest.raises(OutputError, match="would leave"):
        writers.write_frames(svg_frames(1), tmp_path / "out", "../escape", ["svg"])
    assert list(tmp_path.iterdir()) == []


@needs_dot
def test_hostile_graph_file_changes_nothing_outside_out(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "existing.png").write_bytes(b"precious")
    graphs = tmp_path / "graphs" / "deep"
    graphs.mkdir(parents=True)
    plots = "".join(f'[[plots]]\nkind = "curves"\nx = "x=-1:1"\nname = {json.dumps(name)}\n'
                    for name in ["../../victim/existing", str(victim / "absolute"),
                                 "..", "x}\\typeout{PWNED}%"])
    (graphs / "p.toml").write_text(PROGRAM + plots)
    (graphs / "..toml").write_text(PROGRAM)  # the stem ".." once wrote into the parent
    (graphs / "a}\\typeout{PWNED}%.toml").write_text(
        'title = "t\\n\\\\typeout{PWNED}\\r\\\\typeout{PWNED}"\n' + PROGRAM)
    out = tmp_path / "out"
    before = snapshot(tmp_path)
    result = CliRunner().invoke(main, ["gallery", str(graphs), "--out", str(out),
                                       "--format", "svg,beamer"])
    assert result.exit_code == 0, (result.output, result.exception)
    after = snapshot(tmp_path, skip=out)
    assert after == before  # nothing outside --out changed
    names = {p.relative_to(out).as_posix() for p in out.rglob("*")}
    assert not [n for n in names if "/." in "/" + n and not n.endswith(staging.MANIFEST)]
    assert {"p/victim-existing.svg", "p/untitled.svg", "p/x-typeout-PWNED.svg",
            "untitled/untitled-reverse.tex",
            "a-typeout-PWNED/a-typeout-PWNED-reverse.tex"} <= names
    assert not private_dirs(out / "p")
    for tex in out.rglob("*.tex"):
        for line in tex.read_text().splitlines():
            assert "\\typeout" not in line or line.startswith("% "), line
    if shutil.which("pdflatex"):
        tex = out / "a-typeout-PWNED" / "a-typeout-PWNED-reverse.tex"
        run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                              "-no-shell-escape", tex.name], cwd=tex.parent,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0 and "PWNED" not in run.stdout.replace(
            "a-typeout-PWNED", ""), run.stdout[-2000:]


@needs_dot
def test_dotdot_source_with_default_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "..toml").write_text(PROGRAM)
    (work / "render").mkdir()  # the default --out's parent
    monkeypatch.chdir(work)
    before = snapshot(tmp_path, skip=work / "render")
    result = CliRunner().invoke(main, ["render", "..toml", "--format", "svg"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert snapshot(tmp_path, skip=work / "render") == before
    assert (work / "render" / "untitled" / "untitled-reverse-000.svg").is_file()


def test_beamer_refuses_a_stem_latex_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(writers.RenderError, match="includegraphics"):
        writers.beamer_tex("a}b", 1)
    tex = writers.beamer_tex("a", 1, title="x\n\\typeout{no}\u2028%\x00")
    assert [line for line in tex.splitlines() if "typeout" in line] == [
        "% x \\typeout{no} %"]


@needs_dot
def test_gallery_refuses_a_linked_target_directory(tmp_path: Path) -> None:
    graphs = tmp_path / "graphs"
    graphs.mkdir()
    (graphs / "p.toml").write_text(PROGRAM)
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "p-reverse-000.svg").write_text("precious")
    out = tmp_path / "out"
    out.mkdir()
    (out / "p").symlink_to(victim)  # planted in a shared --out
    before = snapshot(tmp_path)
    result = CliRunner().invoke(main, ["gallery", str(graphs), "--out", str(out),
                                       "--format", "svg"])
    assert_one_line_error(result, "output name 'p' would leave", str(out))
    assert snapshot(tmp_path) == before


@needs_dot
def test_gallery_skips_a_file_whose_output_folder_is_taken(tmp_path: Path) -> None:
    graphs = tmp_path / "graphs"
    graphs.mkdir()
    (graphs / "a b.toml").write_text(PROGRAM)
    (graphs / "a-b.toml").write_text(PROGRAM)
    result = CliRunner().invoke(main, ["gallery", str(graphs), "--out", str(tmp_path / "out"),
                                       "--format", "svg"])
    assert result.exit_code == 1  # one file not drawn
    assert "skipped a-b.toml: its output folder a-b/ is a b.toml's" in result.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["a-b"]


# --- 2. planted links are never followed ----------------------------------------------------

def test_planted_links_are_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = tmp_path / "shared"
    out.mkdir()
    names = [f".s-{i:03d}.tmp{os.getpid()}-{n}.svg" for i in range(3) for n in range(12)]
    names += [f".s.tmp{os.getpid()}-{n}.html" for n in range(12)]
    names += [f"s-{i:03d}.svg" for i in range(3)] + ["s.html", staging.MANIFEST,
                                                      ".graphviz-ad.lock"]
    for name in names:
        (out / name).symlink_to(victim)
    writers.write_frames(svg_frames(3), out, "s", ["svg", "html"])
    assert victim.read_text() == "precious"
    for name in ["s-000.svg", "s-001.svg", "s-002.svg", "s.html", staging.MANIFEST]:
        assert not (out / name).is_symlink() and (out / name).is_file()
    assert staging.read_manifest(out)["s"]["svg"]
    assert not private_dirs(out)


# --- 3. all or nothing -----------------------------------------------------------------------

def contents(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in out.iterdir() if not p.is_dir()}


@contextmanager
def failing_replace(monkeypatch: pytest.MonkeyPatch, fail_at: int | None,
                    exc: BaseException | None = None) -> Iterator[list]:
    """``os.replace`` that raises ``exc`` on call number ``fail_at``; yields the calls."""
    real = os.replace
    calls: list = []

    def replace(src, dst, *args, **kwargs):
        calls.append(dst)
        if len(calls) == fail_at:
            raise exc
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(staging.os, "replace", replace)
    try:
        yield calls
    finally:
        monkeypatch.setattr(staging.os, "replace", real)


@pytest.mark.parametrize("exc", [OSError(5, "Input/output error"), KeyboardInterrupt()],
                         ids=["oserror", "ctrl-c"])
def test_interrupted_commit_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            exc: BaseException) -> None:
    out = tmp_path / "out"
    writers.write_frames(svg_frames(5, "old"), out, "s", ["svg", "html"])
    (out / "notes.txt").write_text("mine")
    old = contents(out)
    writers.write_frames(svg_frames(5, "dry"), tmp_path / "dry", "s", ["svg", "html"])
    with failing_replace(monkeypatch, None) as calls:
        writers.write_frames(svg_frames(3, "dry"), tmp_path / "dry", "s", ["svg", "html"])
    total = len(calls)  # stale frames moved aside, old files backed up, new renamed in
    assert total == 2 + 5 + 5  # 3 svg, html, manifest
    expected = OutputError if isinstance(exc, OSError) else type(exc)
    for fail_at in range(1, total + 1):
        with failing_replace(monkeypatch, fail_at, exc), pytest.raises(expected) as raised:
            writers.write_frames(svg_frames(3, "new"), out, "s", ["svg", "html"])
        assert contents(out) == old, fail_at  # the old files, the old manifest
        assert not private_dirs(out), fail_at
        if isinstance(exc, OSError):
            named = str(raised.value).split(":")[0]
            assert named.startswith(f"cannot write to {out}/"), raised.value
            assert "nothing in" in str(raised.value)


@pytest.mark.skipif(threading.current_thread() is not threading.main_thread(),
                    reason="signals are deferred on the main thread only")
def test_real_ctrl_c_mid_commit_waits_for_the_commit(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    writers.write_frames(svg_frames(5, "old"), out, "s", ["svg"])
    real = os.replace
    calls: list = []

    def interrupted(src, dst, *args, **kwargs):
        calls.append(dst)
        if len(calls) == 3:
            signal.raise_signal(signal.SIGINT)  # Ctrl-C between two renames
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(staging.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):  # delivered once the commit is complete
        writers.write_frames(svg_frames(3, "new"), out, "s", ["svg"])
    monkeypatch.setattr(staging.os, "replace", real)
    assert sorted(p.name for p in out.glob("*.svg")) == ["s-000.svg", "s-001.svg", "s-002.svg"]
    assert all("new" in p.read_text() for p in out.glob("*.svg"))
    assert sorted(staging.read_manifest(out)["s"]["svg"]) == ["s-000.svg", "s-001.svg",
                                                               "s-002.svg"]
    assert not private_dirs(out)


def test_failed_roll_back_keeps_the_originals(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    writers.write_frames(svg_frames(2, "old"), out, "s", ["svg"])
    old = contents(out)
    real = os.replace
    calls: list = []

    def broken(src, dst, *args, **kwargs):  # the disk goes away after two renames
        calls.append(dst)
        if len(calls) > 2:
            raise OSError(5, "Input/output error")
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(staging.os, "replace", broken)
    with pytest.raises(OutputError, match="could not restore .*: the originals are in"):
        writers.write_frames(svg_frames(2, "new"), out, "s", ["svg"])
    monkeypatch.setattr(staging.os, "replace", real)
    [private] = private_dirs(out)  # kept: it holds the originals
    kept = [p.read_bytes() for p in (private / "replaced").iterdir()]
    assert kept == [old["s-000.svg"]]  # moved aside, could not be moved back
    assert (out / "s-001.svg").read_bytes() == old["s-001.svg"]  # never moved


@needs_dot
def test_cli_commit_failure_is_one_line_naming_the_file(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", "y = sin(x)", "--at", "x=1", "--format",
                                       "svg", "--out", str(out)])
    assert result.exit_code == 0
    old = contents(out)
    with failing_replace(monkeypatch, 3, OSError(28, "No space left on device")):
        result = CliRunner().invoke(main, ["render", "y = sin(x)", "--at", "x=1", "--format",
                                           "svg", "--out", str(out)])
    assert_one_line_error(result, f"cannot write to {out}/", ".svg", "No space left")
    assert contents(out) == old and not private_dirs(out)


def test_same_stem_from_two_threads(tmp_path: Path) -> None:
    out = tmp_path / "out"
    counts = [2, 5, 3, 4]
    barrier = threading.Barrier(len(counts))
    errors: list[BaseException] = []

    def job(k: int) -> None:
        barrier.wait()
        try:
            for _ in range(3):
                writers.write_frames(svg_frames(counts[k], f"thread{k}"), out, "s",
                                     ["svg", "html"])
        except BaseException as err:  # noqa: BLE001 - reported below
            errors.append(err)

    threads = [threading.Thread(target=job, args=(k,)) for k in range(len(counts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    svgs = sorted(p.name for p in out.glob("s-*.svg"))
    manifest = staging.read_manifest(out)["s"]
    assert sorted(manifest["svg"]) == svgs  # the record matches the files
    tags = {(out / name).read_text().split("thread")[1][0] for name in svgs}
    assert len(tags) == 1  # every frame from the same render ...
    assert len(svgs) == counts[int(tags.pop())]  # ... and all of its frames
    for name, size in manifest["svg"].items():
        assert (out / name).stat().st_size == size
    assert not private_dirs(out)


def _write_stem(args: tuple[str, str]) -> None:
    out, stem = args
    writers.write_frames(svg_frames(2, stem), Path(out), stem, ["svg"])


@pytest.mark.parametrize("pool", ["threads", "processes"])
def test_concurrent_manifest_updates_all_recorded(tmp_path: Path, pool: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    stems = [f"stem{k}" for k in range(16)]
    if pool == "threads":
        barrier = threading.Barrier(len(stems))

        def job(stem: str) -> None:
            barrier.wait()
            _write_stem((str(out), stem))

        threads = [threading.Thread(target=job, args=(s,)) for s in stems]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        with ProcessPoolExecutor(8) as executor:
            list(executor.map(_write_stem, [(str(out), s) for s in stems]))
    assert sorted(staging.read_manifest(out)) == sorted(stems)
    assert len(list(out.glob("*.svg"))) == 32 and not private_dirs(out)


# --- 6. the manifest: damaged, huge, hostile -------------------------------------------------

@pytest.mark.parametrize("kind", ["nested", "huge", "fifo", "link", "binary"])
def test_bad_manifest_reads_as_empty(tmp_path: Path, kind: str) -> None:
    manifest = tmp_path / staging.MANIFEST
    if kind == "nested":
        manifest.write_text("[" * 100_000)
    elif kind == "huge":
        with open(manifest, "wb") as f:
            f.truncate(staging.MANIFEST_MAX_BYTES + 1)
    elif kind == "fifo":
        os.mkfifo(manifest)
    elif kind == "link":
        (tmp_path / "real.json").write_text('{"stems": {"s": {"svg": {"s-009.svg": 1}}}}')
        manifest.symlink_to(tmp_path / "real.json")
    else:
        manifest.write_bytes(b"\xff\xfe\x00{")
    assert staging.read_manifest(tmp_path) == {}
    writers.write_frames(svg_frames(1), tmp_path, "s", ["svg"])
    assert list(staging.read_manifest(tmp_path)) == ["s"]


@needs_dot
def test_nested_manifest_through_the_cli(tmp_path: Path) -> None:
    (tmp_path / staging.MANIFEST).write_text("[" * 100_000)
    result = CliRunner().invoke(main, ["render", "y = sin(x)", "--at", "x=1", "--format",
                                       "svg", "--out", str(tmp_path)])
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output


def test_manifest_never_leads_outside_or_through_links(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.svg"
    victim.write_bytes(b"12345")
    (out / "s-007.svg").symlink_to(victim)  # a link where a stale frame was recorded
    (out / ".s-008.svg").write_bytes(b"12345")
    forged = {"s": {"svg": {"../victim.svg": 5, str(victim): 5, "s-007.svg": 5,
                            ".s-008.svg": 5}}}
    (out / staging.MANIFEST).write_text(json.dumps({"stems": forged}))
    writers.write_frames(svg_frames(1), out, "s", ["svg"])
    assert victim.read_bytes() == b"12345"
    assert (out / "s-007.svg").is_symlink() and (out / ".s-008.svg").exists()
    assert staging.read_manifest(out)["s"]["svg"] == {
        "s-000.svg": (out / "s-000.svg").stat().st_size}


def test_staging_a_name_twice_keeps_the_last(tmp_path: Path) -> None:
    stage = staging.Staging(tmp_path)
    stage.write_text("a.txt", "first")
    stage.write_text("b.txt", "b")
    stage.write_text("a.txt", "second")
    stage.commit()
    assert (tmp_path / "a.txt").read_text() == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]
