"""How long ``timesign admin --project X status`` takes, against the same command at an
older revision and against a bare interpreter start, measured side by side.

    .venv/bin/python bench/cli_startup.py [--runs 7] [--before c4feba4]

Each shell command is one process, so its cost is mostly imports: the figure shows what
a script that calls ``timesign admin`` in a loop pays per call. The older revision runs
from a temporary git worktree with this checkout's virtual environment.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY = {"new": "from bot.roots.cli import main", "old": "from bot.cli import main"}


def timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def cli(source: Path, words: list[str]) -> list[str]:
    layout = "new" if (source / "bot" / "roots").is_dir() else "old"
    program = f"import sys; sys.path.insert(0, {str(source)!r}); {ENTRY[layout]}; sys.exit(main())"
    return [sys.executable, "-c", program, "admin", *words]


def median_of(runs: int, command: list[str], env: dict[str, str], cwd: Path) -> float:
    timed(command, env, cwd)  # warm the file cache
    return statistics.median(timed(command, env, cwd) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--before", default="c4feba4", help="the revision to compare with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        old = work / "before"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(old), args.before],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        try:
            # Each revision on its own database: the older one knows fewer migrations.
            envs = {
                source: {
                    **os.environ,
                    "TIMESIGN_DATABASE_URL": f"sqlite+aiosqlite:///{work / name}.db",
                    "TIMESIGN_SECRET_KEY": "bench-secret-key-0123456789",
                    "PYTHONPATH": "",
                }
                for source, name in ((old, "before"), (ROOT, "now"))
            }
            for source, env in envs.items():
                new_project = cli(source, ["project", "new", "BENCH", "Bench"])
                subprocess.run(new_project, env=env, cwd=work, check=True, capture_output=True)
            status = ["--project", "BENCH", "status"]
            bare = median_of(args.runs, [sys.executable, "-c", "pass"], envs[ROOT], work)
            before = median_of(args.runs, cli(old, status), envs[old], work)
            after = median_of(args.runs, cli(ROOT, status), envs[ROOT], work)
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, check=False
            )
    print(f"bare interpreter start    {bare * 1000:7.0f} ms")
    print(f"admin status at {args.before:<9} {before * 1000:7.0f} ms")
    print(f"admin status now          {after * 1000:7.0f} ms")
    print(f"now / before              {after / before:7.2f}")
    print(f"now, over the bare start  {(after - bare) * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
