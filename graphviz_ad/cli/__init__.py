"""The ``graphviz-ad`` command group: thin wrappers over the library, one module per command."""

from __future__ import annotations

import importlib
import sys

import click

from .. import __version__
from .streams import tolerant_streams

# command name -> ("module:function", one-line help); commands are imported lazily, and
# `--help` lists them from this table, so it imports none of them.
COMMANDS = {
    "trace": ("trace:trace", "The Wengert list and every step of a pass, as a table or JSON."),
    "check": ("trace:check", "Every derivative of both modes against finite differences."),
    "rf": ("rf:rf", "Receptive fields of conv/pool stacks, as a table or drawn."),
    "render": ("render:render", "Animate a pass: one frame per step on a fixed layout."),
    "gallery": ("render:gallery", "Render every graph file in a folder."),
    "jacobian": ("calculus:jacobian", "The Jacobian at a point, by forward or reverse sweeps."),
    "hessian": ("calculus:hessian", "The Hessian at a point, by reverse mode over the gradient."),
    "cost": ("calculus:cost", "Sweeps and primitive evaluations of forward vs reverse mode."),
    "plot": ("plot:plot", "Plots of functions and losses (curves, surfaces, Jacobians)."),
    "worksheet": ("teach:worksheet", "Worksheets with blanks and answer keys, per student."),
    "grade": ("teach:grade", "Grade a student's answers, diagnosing each mistake."),
}


class LazyGroup(click.Group):
    """A click group that imports a command's module only when that command runs, and
    reports usage mistakes as one line, like every other error."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        tolerant_streams()  # any stdout encoding: no UnicodeEncodeError (also for --help)
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            result = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as err:
            where = f" (see {err.ctx.command_path} --help)" if err.ctx is not None else ""
            _fail(f"{err.format_message()}{where}", err.exit_code)
        except click.ClickException as err:
            _fail(err.format_message(), err.exit_code)
        except click.Abort:
            _fail("aborted", 1)
        sys.exit(result if isinstance(result, int) else 0)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        entry = COMMANDS.get(name)
        if entry is None:
            return None
        module, attr = entry[0].split(":")
        return getattr(importlib.import_module(f"{__name__}.{module}"), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the table (importing no command module)."""
        with formatter.section("Commands"):
            formatter.write_dl([(name, COMMANDS[name][1]) for name in self.list_commands(ctx)])


def _fail(message: str, code: int) -> None:
    from .common import fail  # deferred: cli.common loads numpy, networkx (--help startup)

    fail(message, code)


def _set_input_limit(ctx: click.Context, param: click.Parameter, value: int | None) -> None:
    """Every call sets the bound (the default when not given), so one call's option never
    carries over to the next call in the same process."""
    from ..core import files  # deferred: --version/--help never load core (startup)

    files.MAX_INPUT_BYTES = (value or files.DEFAULT_MAX_INPUT_MB) * 1_000_000


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="graphviz-ad")
@click.option("--max-input-mb", type=click.IntRange(1, 100_000), default=None,
              expose_value=False, is_eager=True, callback=_set_input_limit, metavar="MB",
              help="Largest input file (graph, program or data file, stdin) read, in MB "
                   "(default 50).")
def main() -> None:
    """See how derivatives flow through computational graphs and how receptive
    fields grow through convolution stacks.

    \b
    Examples:
      graphviz-ad trace "exp(exp(x) + exp(x)^2) + sin(exp(x) + exp(x)^2)" --at x=0.5
      graphviz-ad render graphs/problem9.toml --format gif,png
      graphviz-ad rf --layer k=5,s=2 --layer k=3 --layer k=5,d=2
      graphviz-ad trace model.py:loss --at x=0.5   (runs model.py: your own code)
    """
