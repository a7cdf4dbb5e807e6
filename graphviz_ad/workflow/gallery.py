"""Every graph file of a directory drawn, spread over processes: the work behind
``graphviz-ad gallery``.

:func:`plan_gallery` turns the directory into tasks (each file's drawing, and each of its
[[plots]] apart, as they take longest); :func:`run_gallery` runs them and reports each
finished task to a callback (the CLI's progress bar), so one file's failure is one line and
the others are still drawn.  Nothing here prints.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import GraphvizAdError
from ..core.shapes import element_limit
from ..core.source import graph_file
from ..draw import raster
from ..draw.names import confine, safe_stem
from ..draw.raster import process_pool
from ..draw.staging import OutputError
from ..draw.writers import slide_canvas
from .render_file import graph_file_kind, render_graph_file

#: what the gallery's worker processes import once, in the clean process they fork from
GALLERY_PRELOAD = ("graphviz_ad.workflow.gallery", "graphviz_ad.workflow.render_file",
                   "graphviz_ad.plots.drawing", "graphviz_ad.draw.writers")
MAX_DEFAULT_JOBS = 4


@dataclass(frozen=True)
class GalleryTask:
    """One piece of gallery work: a graph file's drawing (``plot`` None) or one of its
    [[plots]] (its index), written into ``target``."""

    path: Path
    target: Path
    formats: tuple[str, ...]
    slide: str | None
    plot: int | None = None
    max_elements: int | None = None  # --max-elements (None: the default)


@dataclass(frozen=True)
class TaskOutcome:
    """The files a task wrote, or why it skipped its file (bad input) or stopped the
    gallery (the output directory cannot be written)."""

    paths: tuple[Path, ...] = ()
    skipped: str = ""
    fatal: str = ""


@dataclass(frozen=True)
class GalleryPlan:
    """The graph files found, the tasks drawing them, and the lines for files skipped
    before any drawing (an output folder another file already has)."""

    files: list[Path]
    tasks: list[GalleryTask]
    skipped: list[str]


@dataclass
class GalleryResult:
    """What a gallery wrote per graph file, and one line per file it skipped."""

    files: int
    written: dict[Path, list[Path]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    drawn: int = 0  # graph files drawn whole

    @property
    def total(self) -> int:
        """How many files were written."""
        return sum(len(paths) for paths in self.written.values())


#: called after each task with the task and, when it was its graph file's last,
#: that file's line (``NAME: 3 files`` or ``NAME: skipped``)
TaskDone = Callable[[GalleryTask, "str | None"], None]


def plan_gallery(directory: str | Path, out: str | Path, formats: Sequence[str],
                 slide: str | None, max_elements: int | None = None) -> GalleryPlan:
    """The tasks for every ``*.toml`` in ``directory`` (a bad ``slide`` fails here, once,
    before any graph file is read)."""
    slide_canvas(slide)
    files = sorted(Path(directory).glob("*.toml"))
    if not files:
        raise GraphvizAdError(f"{directory}: no *.toml graph files")
    tasks, skipped = gallery_tasks(files, Path(out), formats, slide, max_elements)
    return GalleryPlan(files, tasks, skipped)


def default_jobs() -> int:
    """Processes drawing at once unless told: the CPU count, at most 4."""
    return min(os.cpu_count() or 1, MAX_DEFAULT_JOBS)


def run_gallery(plan: GalleryPlan, jobs: int | None = None,
                done: TaskDone | None = None) -> GalleryResult:
    """Run every task of ``plan`` on ``jobs`` processes (default :func:`default_jobs`).
    A file that cannot be drawn is skipped with its line; an unusable output directory
    (:class:`OutputError`) or a worker that died stops the gallery, the files drawn so
    far kept."""
    tasks = plan.tasks
    workers = jobs or default_jobs()
    result = GalleryResult(files=len(plan.files))
    left = {path: sum(t.path == path for t in tasks) for path in plan.files}
    failed: dict[Path, str] = {}
    with process_pool(workers if len(tasks) > 1 else 1, fresh=GALLERY_PRELOAD) as pool:
        outcomes = (pool.map(gallery_task, tasks) if pool is not None
                    else map(gallery_task, tasks))
        for task, outcome in _outcomes(tasks, outcomes):
            if outcome.fatal:  # the output directory is unusable: no point going on
                raise OutputError(outcome.fatal)
            if outcome.skipped:
                failed.setdefault(task.path, outcome.skipped)
            result.written.setdefault(task.path, []).extend(outcome.paths)
            left[task.path] -= 1
            line = None
            if left[task.path] == 0:
                line = f"{task.path.name}: " + (
                    "skipped" if task.path in failed
                    else f"{len(result.written.get(task.path, []))} files")
            if done is not None:
                done(task, line)
    result.skipped = plan.skipped + [f"skipped {path.name}: {err}"
                                     for path, err in failed.items()]
    result.drawn = len({t.path for t in tasks} - set(failed))
    return result


def _outcomes(tasks: list[GalleryTask], results: Iterable[TaskOutcome]
              ) -> Iterator[tuple[GalleryTask, TaskOutcome]]:
    """Each task with its outcome; a worker process that died (killed, out of memory)
    ends the gallery with one line, the files drawn so far kept."""
    try:
        yield from zip(tasks, results)
    except BrokenProcessPool:
        raise GraphvizAdError("a drawing process died (killed, or out of memory); the files "
                              "drawn so far are kept") from None


def gallery_tasks(files: list[Path], out: Path, formats: Sequence[str], slide: str | None,
                  max_elements: int | None = None) -> tuple[list[GalleryTask], list[str]]:
    """The work for every graph file (each output folder confined to ``out``; a folder
    two files would share goes to the first), and the files skipped for that reason.
    Plots come first: they take longest, so the last task to finish is a short one."""
    tasks: list[GalleryTask] = []
    plot_tasks: list[GalleryTask] = []
    skipped: list[str] = []
    taken: dict[str, str] = {}  # output folder (casefolded) -> the graph file using it
    for path in files:
        name = safe_stem(path.stem)
        if name.casefold() in taken:  # e.g. "a b.toml" and "a-b.toml"
            skipped.append(f"skipped {path.name}: its output folder {name}/ is "
                           f"{taken[name.casefold()]}'s")
            continue
        taken[name.casefold()] = path.name
        target = confine(out, name, resolve=True)
        tasks.append(GalleryTask(path, target, tuple(formats), slide, None, max_elements))
        try:
            plots = graph_file(path).plots if graph_file_kind(path) == "program" else []
        except Exception:  # deliberately broad: reported by the drawing's own task
            plots = []
        plot_tasks += [GalleryTask(path, target, tuple(formats), slide, k, max_elements)
                       for k in range(len(plots))]
    return plot_tasks + tasks, skipped


def gallery_task(task: GalleryTask) -> TaskOutcome:
    """Run one task (in a worker process)."""
    from ..plots.drawing import draw_file_plot  # deferred: plots import matplotlib

    if multiprocessing.parent_process() is not None:  # a worker: the pool uses every core
        raster.WORKERS = 1
    formats = list(task.formats)
    try:
        with element_limit(task.max_elements):
            if task.plot is None:
                paths = render_graph_file(task.path, task.target, formats, task.slide,
                                          plots=False)
            else:
                paths = draw_file_plot(task.path, task.plot, task.target, formats, task.slide)
    except OutputError as err:
        return TaskOutcome(fatal=str(err))
    except GraphvizAdError as err:  # e.g. a stack too wide to draw: say so, go on
        return TaskOutcome(skipped=str(err))
    except Exception as err:  # deliberately broad: one file's failure never stops the rest
        return TaskOutcome(skipped=failure_line(err))
    return TaskOutcome(tuple(paths))


def failure_line(err: BaseException) -> str:
    """An unexpected error as one line: its kind and first line (``out of memory`` for
    a MemoryError, which has no text of its own).

    >>> failure_line(RecursionError("maximum recursion depth exceeded"))
    'failed (RecursionError: maximum recursion depth exceeded)'
    """
    if isinstance(err, MemoryError):
        return "failed (out of memory)"
    text = str(err).strip().split("\n", 1)[0]
    return f"failed ({type(err).__name__}{': ' + text if text else ''})"
