"""Start-up (issue 12): `--version` and `--help` import no command module and none of the
heavy libraries; every command in the table exists and has examples in its --help."""

from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from graphviz_ad.cli import COMMANDS, main
from graphviz_ad.core.program import program_of

HEAVY = ["numpy", "networkx", "lark", "PIL", "matplotlib", "graphviz_ad.core.parse",
         "graphviz_ad.cli.trace", "graphviz_ad.cli.render"]


@pytest.mark.parametrize("flag", ["--version", "--help"])
def test_version_and_help_import_nothing_heavy(flag):
    code = ("import sys\nfrom graphviz_ad.cli import main\n"
            f"try:\n    main([{flag!r}])\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_listed_command_exists_with_examples(name):
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Examples:" in result.output
    assert name in CliRunner().invoke(main, ["--help"]).output


def test_package_attributes_stay_functions_after_submodule_imports():
    import importlib

    import graphviz_ad as ad

    importlib.import_module("graphviz_ad.core.parse")
    importlib.import_module("graphviz_ad.draw.animate")
    assert callable(ad.parse) and callable(ad.render)
    assert program_of(ad.parse("y = x*x")).outputs == ("y",)
