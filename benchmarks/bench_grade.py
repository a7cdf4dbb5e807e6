"""Grading a class of 300 in a few seconds (issue 17): one batch ``grade`` command against
300 single ``grade`` commands, in the same run.

Both run the CLI in-process (click's CliRunner: no interpreter start-up counted) on the
same worksheet record and the same 300 answer sets (a slip in f1 each, carried on, so the
carried-error and diagnosis paths run, and grading checks whether the answers fit another
variant: each single command makes the other variants' sheets, the batch makes each once).
The batch command reads the record and the source once and writes a report, a Gradescope
result per student and summary.csv; the baseline is a shell loop's work, one command per
student printing its report.  Also reported: the
per-student cost against making one sheet (a forward and a reverse pass).

Run from the repository root:  python benchmarks/bench_grade.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from click.testing import CliRunner  # noqa: E402
from timing import best  # noqa: E402

from graphviz_ad.cli import main as main_cli  # noqa: E402
from graphviz_ad.teach.build import Options, drawn  # noqa: E402

P9 = str(Path(__file__).resolve().parents[1] / "graphs" / "problem9.toml")


def answer_sets(students: int, roster: str) -> list[tuple[str, dict[str, str]]]:
    """Each student's key with a slip in f1 (a number computed from the input alone, so
    grading also checks whether the answers fit another variant: the worst case)."""
    make, record = drawn(P9, Options(vary=("x=0.1:1.5",), seed=7, decimals=3, roster=roster))
    out = []
    for v in record.variants[:students]:
        sheet = make(v)
        answers = {b.id: repr(float(b.truth)) for b in sheet.blanks}
        answers["f1"] = repr(float(answers["f1"]) * 1.01 + 0.01)  # a first-row slip
        out.append((v.student, answers))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="60 students, one repeat")
    args = parser.parse_args()
    students = 60 if args.quick else 300
    repeat = 1 if args.quick else 2
    runner = CliRunner()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        roster = work / "students.csv"
        roster.write_text("name\n" + "".join(f"Student {i:03d}\n" for i in range(students)))
        sets = answer_sets(students, str(roster))
        rows = ["student,blank,answer"] + [f"{name},{k},{v}" for name, answers in sets
                                           for k, v in answers.items()]
        (work / "class.csv").write_text("\n".join(rows) + "\n")
        for k, (_, answers) in enumerate(sets):
            (work / f"a{k}.json").write_text(json.dumps(answers))
        sheets = str(work / "sheets")
        assert runner.invoke(main_cli, ["worksheet", P9, "--vary", "x=0.1:1.5", "--seed", "7",
                                        "--decimals", "3", "--roster", str(roster), "--out",
                                        sheets, "--format", "md"]).exit_code == 0

        def batch() -> None:
            result = runner.invoke(main_cli, ["grade", P9, "--sheets", sheets, "--answers",
                                              str(work / "class.csv"), "--out",
                                              str(work / "grades")])
            assert result.exit_code == 0 and f"graded {students} of" in result.output

        def singles() -> None:
            for k in range(students):
                result = runner.invoke(main_cli, ["grade", P9, "--sheets", sheets,
                                                  "--variant", str(k + 1), "--answers",
                                                  str(work / f"a{k}.json")])
                assert result.exit_code == 0, result.output

        make, record = drawn(P9, Options(vary=("x=0.1:1.5",), seed=7, decimals=3,
                                         roster=str(roster)))
        t_sheet = best(lambda: make(record.variants[0]), 20)
        t_batch = best(batch, repeat)
        t_single = best(singles, 1, warmup=False)  # slow: each command makes every sheet
    print(f"{students} students, problem 9 (12 blanks, a first-row slip each)")
    print(f"  one batch grade command:           {t_batch:7.3f} s  "
          f"({t_batch / students * 1e3:.2f} ms per student)")
    print(f"  {students} single grade commands:      {t_single:7.3f} s  "
          f"({t_single / t_batch:.1f}x the batch)")
    print(f"  making one sheet (two passes):     {t_sheet * 1e3:7.3f} ms  "
          f"(a student costs {t_batch / students / t_sheet:.1f} sheets)")


if __name__ == "__main__":
    main()
