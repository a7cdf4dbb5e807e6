"""Issue 11's check of the command line: every command's --help (read through CliRunner
from the COMMANDS table) describes every option and has examples, and an option name
means one thing on every command: the same type, metavar, repeatability and help text."""

from __future__ import annotations

from collections import defaultdict

import click
import pytest
from click.testing import CliRunner

from graphviz_ad.cli import COMMANDS, main
from graphviz_ad.cli.params import Formats
from graphviz_ad.core.modes import Mode
from graphviz_ad.draw.frames import STEP_MS
from graphviz_ad.plots.drawing import LR, STEPS


def _commands() -> list[tuple[str, click.Command]]:
    """Every command as typed (``plot surface`` too), read from the COMMANDS table."""
    ctx = click.Context(main)
    found = []
    for name in sorted(COMMANDS):
        command = main.get_command(ctx, name)
        assert command is not None, name
        found.append((name, command))
        if isinstance(command, click.Group):
            found += [(f"{name} {sub}", command.commands[sub]) for sub in sorted(command.commands)]
    return found


COMMAND_LIST = _commands()


def _options(command: click.Command) -> list[click.Option]:
    """The options a user sees (hidden ones are deprecated spellings)."""
    return [p for p in command.params if isinstance(p, click.Option) and not p.hidden]


def _name(option: click.Option) -> str:
    return max(option.opts, key=len)


def _meaning(option: click.Option) -> tuple:
    """What an option name stands for: its type, metavar, repeatability and help (a format
    list's own choices set aside: which formats a command writes is its own business)."""
    help_text = option.help or ""
    if isinstance(option.type, Formats):
        help_text = help_text.replace(", ".join(option.type.choices), "…")
    return (type(option.type).__name__, option.metavar, option.multiple, option.is_flag,
            help_text)


@pytest.mark.parametrize("name, command", COMMAND_LIST, ids=[n for n, _ in COMMAND_LIST])
def test_every_command_has_examples_and_every_option_help(name, command):
    result = CliRunner().invoke(main, [*name.split(), "--help"])
    assert result.exit_code == 0, result.output
    assert "Examples:" in result.output
    assert "graphviz-ad " + name in result.output  # the examples use the command itself
    for option in _options(command):
        assert option.help and len(option.help) > 10, (name, _name(option))
        assert _name(option) in result.output, (name, _name(option))


def test_an_option_name_means_one_thing_on_every_command():
    meanings: dict[str, set[tuple]] = defaultdict(set)
    where: dict[str, list[str]] = defaultdict(list)
    for name, command in COMMAND_LIST:
        for option in _options(command):
            meanings[_name(option)].add(_meaning(option))
            where[_name(option)].append(name)
    two = {opt: (sorted(where[opt]), sorted(meanings[opt])) for opt in meanings
           if len(meanings[opt]) > 1}
    assert not two, two
    shared = {opt for opt, names in where.items() if len(names) > 1}
    assert shared >= {"--at", "--data", "--of", "--wrt", "--mode", "--format", "--out",
                      "--slide", "--title", "--no-cse", "--frame-ms", "--progress", "--lr",
                      "--steps", "--start", "--over", "--max-elements"}


def _every(option_name: str) -> list[tuple[str, click.Option]]:
    return [(name, option) for name, command in COMMAND_LIST for option in _options(command)
            if _name(option) == option_name]


def test_of_and_wrt_are_repeatable_wherever_they_appear():
    for option_name, commands in (("--of", {"trace", "check", "render", "jacobian", "hessian",
                                            "cost", "plot curves", "plot surface",
                                            "plot convexity", "plot weight-decay",
                                            "plot jacobian"}),
                                  ("--wrt", {"trace", "check", "render", "jacobian", "hessian",
                                             "cost", "plot jacobian"})):
        found = _every(option_name)
        assert {name for name, _ in found} == commands
        assert all(option.multiple for _, option in found)


def test_mode_always_names_the_pass():
    found = _every("--mode")
    assert {name for name, _ in found} == {"trace", "render"}
    assert all(list(option.type.choices) == list(Mode) for _, option in found)
    sweeps = _every("--sweep")
    assert [name for name, _ in sweeps] == ["jacobian"]
    assert "forward" in sweeps[0][1].type.choices


def test_defaults_stated_in_help_are_the_ones_used():
    for _, option in _every("--frame-ms"):  # render and rf: one default, the drawings' own
        assert option.default is None and f"default {STEP_MS}" in option.help
    for _, option in _every("--lr"):
        assert option.default is None and f"default {LR:g}" in option.help
    for _, option in _every("--steps"):
        assert option.default is None and f"default {STEPS}" in option.help
