"""Time minicrm's everyday commands as whole processes, next to their baselines.

    .venv/bin/python bench/run.py              # 1k, 10k and 100k contacts, 15 runs each
    .venv/bin/python bench/run.py --quick      # 1k and 10k, 5 runs: a fast check
    .venv/bin/python bench/run.py --markdown   # the same tables as markdown
    .venv/bin/python bench/run.py --report     # reprint bench/out/results.json, run nothing

For each scale it generates the database if it is not cached (``generate.py``),
copies it, then times every command over repeated runs after warm-ups, with
hyperfine when it is installed and a small Python harness otherwise. Peak RSS
comes from ``os.wait4``'s rusage of each run (the Python harness; with
hyperfine, from a few extra runs of it). Results go to ``bench/out/results.json``.

Baselines, measured in the same run on the same copy:

* the floor: ``python -c`` with only stdlib ``sqlite3`` running the ``minicrm
  due`` query (overdue and due today, joined to contacts) and printing TSV;
* the framework floor: ``bench/hello_typer.py``, a Typer app whose one command
  prints "ok", and its ``--help``.

Every child runs in a cleaned environment: no ``PYTHON*`` variables from the
caller (``PYTHONDONTWRITEBYTECODE`` would recompile every module on every run,
``PYTHONUNBUFFERED`` would make each printed line a system call), bytecode
cached under ``bench/out/pycache``, ``TZ=UTC``, and ``MINICRM_DB`` /
``MINICRM_NOW`` pointing at the copy and the generator's clock.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate  # noqa: E402  (bench/generate.py)

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
RESULTS = OUT / "results.json"

# Targets from the issue.
TARGET_STARTUP = 1.2  # --version / --help against the do-nothing Typer command
TARGET_FLOOR = 4.0  # everyday commands, piped, against the stdlib sqlite3 floor
TARGET_TERMINAL = 1.5  # a table on a terminal against the same command piped
TARGET_RSS_MIB = 60.0  # every minicrm command
TARGET_FLAT = 1.2  # "flat": the largest scale's median at most this times the smallest's
TARGET_REPORT_MS = 1000.0  # `minicrm report` at the largest scale
TARGET_IMPORT = 3.0  # `minicrm import` of IMPORT_ROWS CSV rows against executemany_floor.py
TARGET_EXPORT_RSS_MIB = 100.0  # `minicrm export all --to ndjson` at the largest scale: streamed
TARGET_IMPORT_RSS_MIB = 100.0  # `minicrm import` of the CSV: streamed, whatever its size
TARGET_NDJSON_ROWS_S = 25_000  # `minicrm import` of contacts, 10 interactions and a reminder each, as NDJSON
IMPORT_ROWS = 100_000

# The "due today + overdue" query exactly as minicrm runs it (store.reminders.SELECT
# with services.due's bounds), printed as TSV: what `minicrm due` cannot beat.
FLOOR_SQL = (
    "SELECT r.id, r.uid, r.contact_id, c.name,"
    " (SELECT e.email FROM contact_emails e WHERE e.contact_id = r.contact_id ORDER BY e.position LIMIT 1),"
    " (SELECT p.phone FROM contact_phones p WHERE p.contact_id = r.contact_id ORDER BY p.position LIMIT 1),"
    " r.text, r.due_on, r.due_time, r.rule, r.status, r.snoozed, r.done_at, r.created_at, r.updated_at"
    " FROM reminders r JOIN contacts c ON c.id = r.contact_id"
    " WHERE r.status = 'open' AND r.due_on <= ?"
    " ORDER BY r.due_on, r.due_time IS NOT NULL, r.due_time, r.id"
)
FLOOR_CODE = (
    "import os, sqlite3, sys; "
    "db = sqlite3.connect(os.environ['MINICRM_DB']); "
    "sys.stdout.writelines('\\t'.join('' if v is None else str(v) for v in row) + '\\n' "
    f"for row in db.execute({FLOOR_SQL!r}, (os.environ['MINICRM_NOW'][:10],)))"
)
# Measures peak RSS. Linux carries the parent's high-water mark into a child over
# fork and exec, so a child spawned by this (30+ MiB) harness would report at least
# the harness's size. A bare interpreter (-I -S, about 8 MiB) spawns it instead and
# writes "<ru_maxrss KiB> <exit code>" to argv[1]; the child's output goes to ours.
RSS_LAUNCHER = (
    "import os, sys; pid = os.posix_spawn(sys.argv[2], sys.argv[2:], os.environ); "
    "_, status, usage = os.wait4(pid, 0); "
    "open(sys.argv[1], 'w').write(f'{usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}')"
)
# Undoes a write command between runs (run untimed, before each run).
RESET_CODE = "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.executescript(sys.argv[2]); db.close()"

TERMINAL_ENV = {"TTY_COMPATIBLE": "1", "COLUMNS": "120", "LINES": "40", "TERM": "xterm-256color"}


@dataclass
class Case:
    """One command line to time."""

    name: str
    argv: list[str]
    kind: str  # info | floor | framework | startup | everyday
    baseline: str | None = None  # the case its ratio is taken against
    target: float | None = None  # the ratio it should stay within
    piped: str | None = None  # for a terminal run: the same command piped
    terminal: bool = False
    reset_sql: str | None = None  # undoes the command's write, before each run
    expect_lines: int | None = None  # sanity check on the piped output
    # `due` lists reorders and other kinds besides the reminders: their number is minicrm's own
    # finding, so the check counts the lines of kind "reminder" (the floor's rows) instead
    expect_reminders: int | None = None


@dataclass
class Result:
    name: str
    kind: str
    command: str
    times_ms: list[float]
    median_ms: float
    min_ms: float
    max_ms: float
    rss_mib: float
    baseline: str | None = None
    target: float | None = None
    ratio: float | None = None
    piped: str | None = None
    terminal_ratio: float | None = None
    checks: dict[str, bool] = field(default_factory=dict)
    foreign_cpu: float | None = None  # CPUs other processes used while it was measured (worst batch)
    cpu_ms: list[float] = field(default_factory=list)  # user + system CPU of each run (the Python harness)
    cpu_median_ms: float | None = None
    cpu_ratio: float | None = None  # median CPU against the baseline's: steadier than wall time on a busy machine


# ------------------------------------------------------------------ processes


def child_env(db: Path, now: str, terminal: bool = False) -> dict[str, str]:
    """The environment every timed process gets (see the module docstring)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "MINICRM_")) and k not in
           ("TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES", "FORCE_COLOR", "NO_COLOR", "COLORTERM")}  # fmt: skip
    env.update(PYTHONPYCACHEPREFIX=str(OUT / "pycache"), TZ="UTC", MINICRM_DB=str(db), MINICRM_NOW=now)
    if terminal:
        env.update(TERMINAL_ENV)
    return env


def spawn(argv: list[str], env: dict[str, str]) -> tuple[float, int, bytes, bytes]:
    """Run once: (wall ms, exit code, stdout, stderr), stdout read through a pipe as `| cat` would."""
    elapsed, _, code, out, err = spawn_cpu(argv, env)
    return elapsed, code, out, err


def spawn_cpu(argv: list[str], env: dict[str, str]) -> tuple[float, float, int, bytes, bytes]:
    """Run once: (wall ms, CPU ms (user + system, from wait4), exit code, stdout, stderr)."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err)
        chunks = []
        while chunk := os.read(proc.stdout.fileno(), 1 << 16):
            chunks.append(chunk)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = (time.perf_counter() - started) * 1000
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
        err.seek(0)
        return elapsed, (usage.ru_utime + usage.ru_stime) * 1000, proc.returncode, b"".join(chunks), err.read()


def peak_rss(argv: list[str], env: dict[str, str], python: str) -> float:
    """The peak RSS (MiB) of one run, through RSS_LAUNCHER."""
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as report:
        launcher = [python, "-I", "-S", "-c", RSS_LAUNCHER, report.name]
        _, code, _, err = spawn(launcher + argv, env)
        kib, child_code = map(int, report.read().split())
    if code or child_code:
        raise SystemExit(f"{shlex.join(argv)} failed (exit {child_code}): {err.decode(errors='replace').strip()}")
    return kib / 1024


class Noise:
    """Keeps other processes' CPU use out of the figures, within a time budget.

    Other work on the machine (a test suite, a build) slows every run it
    overlaps. Around each measured batch this compares the CPU time the whole
    machine used (/proc/stat) with what this harness and its children used
    (os.times). When the rest used more than ``limit`` CPUs on average, the
    batch is measured again once the machine has settled. Waiting stops once
    ``patience`` seconds have gone into it over the whole run: from then on
    batches are kept as measured, and each result records the most foreign
    load it was measured under (``foreign_cpu``), so noisy figures show.
    """

    def __init__(self, limit: float, patience: float, tries: int = 5):
        self.limit = limit
        self.budget = patience
        self.tries = tries
        self.enabled = limit > 0 and Path("/proc/stat").exists()
        self.retried = 0
        self.waited = 0.0

    @staticmethod
    def _sample() -> tuple[float, float, float]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
        busy = (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait
        own = os.times()
        return busy, own.user + own.system + own.children_user + own.children_system, time.monotonic()

    @staticmethod
    def _foreign(before: tuple[float, float, float], after: tuple[float, float, float]) -> float:
        """CPUs the rest of the machine kept busy on average between two samples."""
        busy, own, wall = (a - b for a, b in zip(after, before))
        return max(0.0, busy - own) / max(wall, 1e-3)

    def settle(self) -> None:
        """Wait, while the budget lasts, until the rest of the machine is quiet for a second."""
        told = False
        while self.enabled and self.waited < self.budget:
            before = self._sample()
            time.sleep(1.0)
            foreign = self._foreign(before, self._sample())
            if foreign <= self.limit:
                return
            self.waited += 1.0
            if not told:
                print(f"  waiting for the machine to settle (other processes use {foreign:.1f} CPUs; "
                      f"{self.budget - self.waited:.0f} s of patience left) ...", file=sys.stderr)  # fmt: skip
                told = True
        if told and self.waited >= self.budget:
            print("  out of patience: measuring on a busy machine from now on", file=sys.stderr)

    def measure(self, label: str, fn):  # noqa: ANN001, ANN201
        """(``fn()``, foreign CPUs meanwhile), measured again while the machine was busy (and budget lasts)."""
        for attempt in range(self.tries):
            self.settle()
            before = self._sample() if self.enabled else None
            result = fn()
            if not self.enabled:
                return result, None
            foreign = self._foreign(before, self._sample())
            if foreign <= self.limit or attempt == self.tries - 1 or self.waited >= self.budget:
                return result, round(foreign, 2)
            self.retried += 1
            print(f"  {label}: other processes used {foreign:.2f} CPUs meanwhile; measuring it again",
                  file=sys.stderr)  # fmt: skip
        raise AssertionError("unreachable")


def reset(python: str, db: Path, sql: str | None) -> None:
    if sql:
        subprocess.run([python, "-c", RESET_CODE, str(db), sql], check=True, env=child_env(db, ""))


def time_python(runs: list[tuple[Case, dict, Path]], python: str, rounds: int, warmup: int,
                noise: Noise) -> tuple[list[list[float]], list[float | None], list[list[float]]]:  # fmt: skip
    """The Python harness: wall times (ms) per case, warm-up rounds discarded, and CPU times.

    Runs go round-robin, one run of every case per round, so that a burst of
    load from elsewhere on the machine hits all cases alike and the ratios
    between them hold. Resets run before each run, untimed.
    """

    def one_round() -> list[tuple[float, float]]:
        elapsed = []
        for case, env, db in runs:
            reset(python, db, case.reset_sql)
            ms, cpu, code, _, err = spawn_cpu(case.argv, env)
            if code:
                raise SystemExit(f"{case.name} failed (exit {code}): {err.decode(errors='replace').strip()}")
            elapsed.append((ms, cpu))
        return elapsed

    times: list[list[float]] = [[] for _ in runs]
    cpus: list[list[float]] = [[] for _ in runs]
    foreign: list[float | None] = [None for _ in runs]
    for n in range(warmup + rounds):
        if n < warmup:
            one_round()
        else:
            elapsed, busy = noise.measure(f"round {n + 1}", one_round)
            for i, (ms, cpu) in enumerate(elapsed):
                times[i].append(ms)
                cpus[i].append(cpu)
                foreign[i] = busy if foreign[i] is None else max(foreign[i], busy)
        print(f"  round {n + 1}/{warmup + rounds}{' (warm-up)' if n < warmup else ''}", file=sys.stderr)
    return times, foreign, cpus


def time_hyperfine(case: Case, python: str, env: dict, db: Path, runs: int, warmup: int) -> list[float]:
    """hyperfine's times (ms), output through a pipe, no shell in between."""
    with tempfile.NamedTemporaryFile(suffix=".json") as export:
        command = ["hyperfine", "--shell=none", "--output=pipe", "--style=none", f"--warmup={warmup}",
                   f"--runs={runs}", f"--export-json={export.name}"]  # fmt: skip
        if case.reset_sql:  # run before every run, warm-ups included
            command.append(f"--prepare={shlex.join([python, '-c', RESET_CODE, str(db), case.reset_sql])}")
        command.append(shlex.join(case.argv))
        done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode:
            raise SystemExit(f"hyperfine failed on {case.name}: {done.stderr.strip()}")
        (result,) = json.loads(Path(export.name).read_text())["results"]
    return [t * 1000 for t in result["times"]]


# ------------------------------------------------------------------ cases


def cases(python: str, minicrm: str, meta: dict) -> list[Case]:
    contact = str(meta["bench_contact_id"])
    reminder = str(meta["bench_reminder_id"])
    counts = meta["counts"]
    due_rows = counts["overdue"] + counts["due_today"]
    hello = str(BENCH / "hello_typer.py")
    m = [minicrm]
    floor, typer = "floor: stdlib sqlite3 due query", "framework: hello_typer"
    out = [
        Case("python -c pass", [python, "-c", "pass"], "info"),
        Case(floor, [python, "-c", FLOOR_CODE], "floor", expect_lines=due_rows),
        Case(typer, [python, hello], "framework"),
        Case("framework: hello_typer --help", [python, hello, "--help"], "framework"),
        Case("minicrm --version", m + ["--version"], "startup", typer, TARGET_STARTUP),
        Case("minicrm --help", m + ["--help"], "startup", "framework: hello_typer --help", TARGET_STARTUP),
    ]
    # Names stay the same at every scale (ids differ): the growth table matches on them.
    reads = [
        ("due", ["due"], None),
        ("show CONTACT", ["show", contact], 1),
        ("list --limit 50", ["list", "--limit", "50"], 50),
        (f"list --search {meta['rare_term']}", ["list", "--search", meta["rare_term"]], counts["rare_hits"]),
        ("history CONTACT", ["history", contact], None),
    ]
    for label, args, lines in reads:
        out.append(Case(f"minicrm {label}", m + args, "everyday", floor, TARGET_FLOOR, expect_lines=lines,
                        expect_reminders=due_rows if label == "due" else None))  # fmt: skip
    for label, args, _ in reads:
        out.append(Case(f"minicrm {label} [terminal]", m + args, "everyday", floor, None,
                        piped=f"minicrm {label}", terminal=True))  # fmt: skip
    out += [
        Case("minicrm log CONTACT call bench", m + ["log", contact, "call", "bench"], "everyday", floor,
             TARGET_FLOOR, reset_sql=f"DELETE FROM interactions WHERE id > {counts['interactions']}",
             expect_lines=1),
        Case("minicrm remind CONTACT bench --on tomorrow", m + ["remind", contact, "bench", "--on", "tomorrow"],
             "everyday", floor, TARGET_FLOOR, reset_sql=f"DELETE FROM reminders WHERE id > {counts['reminders']}",
             expect_lines=1),
        Case("minicrm done REMINDER", m + ["done", reminder], "everyday", floor, TARGET_FLOOR,
             reset_sql=f"UPDATE reminders SET status = 'open', done_at = NULL WHERE id = {reminder};"
                       f" DELETE FROM reminder_completions WHERE reminder_id = {reminder}",
             expect_lines=1),
    ]  # fmt: skip
    return out


# ------------------------------------------------------------------ one scale


def fresh_copy(source: Path, name: str) -> Path:
    target = OUT / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    return target


def check(case: Case, env: dict, db: Path, python: str) -> dict[str, bool]:
    """One untimed run: the command must succeed and print what it should."""
    reset(python, db, case.reset_sql)
    _, code, stdout, stderr = spawn(case.argv, env)
    if code:
        raise SystemExit(f"{case.name} failed (exit {code}): {stderr.decode(errors='replace').strip()}")
    checks = {}
    if case.expect_lines is not None:
        lines = stdout.count(b"\n")
        checks["output lines"] = lines == case.expect_lines
        if lines != case.expect_lines:
            print(f"  warning: {case.name} printed {lines} lines, expected {case.expect_lines}", file=sys.stderr)
    if case.expect_reminders is not None:
        # DueItem's kind is its 18th column; every other kind is minicrm's own finding
        reminders = sum(1 for line in stdout.splitlines() if line.split(b"\t")[17:18] == [b"reminder"])
        checks["reminder lines"] = reminders == case.expect_reminders
        if reminders != case.expect_reminders:
            print(f"  warning: {case.name} printed {reminders} reminders, expected {case.expect_reminders}",
                  file=sys.stderr)  # fmt: skip
    if case.terminal:
        checks["rendered a table"] = b"\x1b[" in stdout and b"\t" not in stdout
        if not checks["rendered a table"]:
            print(f"  warning: {case.name} did not render a table", file=sys.stderr)
    return checks


def run_scale(contacts: int, args: argparse.Namespace, harness: str, noise: Noise) -> dict:
    source, meta = generate.ensure(contacts, args.seed, args.now)
    print(f"\n== {contacts:,} contacts: {meta['counts']['interactions']:,} interactions, "
          f"{meta['counts']['reminders']:,} reminders, {meta['bytes'] / 2**20:.0f} MiB ==", file=sys.stderr)  # fmt: skip
    reads_db = fresh_copy(source, f"bench-{contacts}.db")
    copies = [reads_db]
    runs: list[tuple[Case, dict, Path]] = []
    for case in cases(args.python, args.minicrm, meta):
        # Write commands each get their own copy, and their write is undone before every run
        # (untimed), so nothing accumulates and the reads' copy stays as generated.
        db = reads_db
        if case.reset_sql:
            db = fresh_copy(source, f"bench-{contacts}-write{len(copies)}.db")
            copies.append(db)
        runs.append((case, child_env(db, args.now, case.terminal), db))
    try:
        return _measure(runs, copies, source, meta, args, harness, noise)
    finally:
        if not args.keep_copies:
            for db in copies:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{db}{suffix}").unlink(missing_ok=True)


def _measure(runs: list[tuple[Case, dict, Path]], copies: list[Path], source: Path, meta: dict,
             args: argparse.Namespace, harness: str, noise: Noise) -> dict:  # fmt: skip
    checks = [check(case, env, db, args.python) for case, env, db in runs]

    cpus: list[list[float]] = [[] for _ in runs]
    if harness == "hyperfine":
        times, foreign = [], []
        for case, env, db in runs:
            case_times, busy = noise.measure(case.name, lambda: time_hyperfine(case, args.python, env, db,
                                                                              args.runs, args.warmup))  # fmt: skip
            times.append(case_times)
            foreign.append(busy)
            print(f"  {case.name:<52} {statistics.median(case_times):8.1f} ms", file=sys.stderr)
    else:
        times, foreign, cpus = time_python(runs, args.python, args.runs, args.warmup, noise)

    results: dict[str, Result] = {}
    for (case, env, db), case_times, case_checks, busy, case_cpu in zip(runs, times, checks, foreign, cpus):
        rss = []
        for _ in range(args.rss_runs):  # separate runs: the launcher would add to the times
            reset(args.python, db, case.reset_sql)
            rss.append(peak_rss(case.argv, env, args.python))
        results[case.name] = Result(
            name=case.name, kind=case.kind, command=shlex.join(case.argv),
            times_ms=[round(t, 2) for t in case_times], median_ms=round(statistics.median(case_times), 2),
            min_ms=round(min(case_times), 2), max_ms=round(max(case_times), 2), rss_mib=round(max(rss), 1),
            baseline=case.baseline, target=case.target, piped=case.piped, checks=case_checks,
            foreign_cpu=busy, cpu_ms=[round(t, 2) for t in case_cpu],
            cpu_median_ms=round(statistics.median(case_cpu), 2) if case_cpu else None,
        )  # fmt: skip
    for r in results.values():
        if r.baseline:
            r.ratio = round(r.median_ms / results[r.baseline].median_ms, 2)
            if r.cpu_median_ms and results[r.baseline].cpu_median_ms:
                r.cpu_ratio = round(r.cpu_median_ms / results[r.baseline].cpu_median_ms, 2)
        if r.piped:
            r.terminal_ratio = round(r.median_ms / results[r.piped].median_ms, 2)
    return {"generator": meta, "db": str(source), "load_after": load(),
            "results": {k: asdict(v) for k, v in results.items()}}  # fmt: skip


# ------------------------------------------------------------------ bulk work


def run_bulk(contacts: int, args: argparse.Namespace, noise: Noise) -> dict:
    """The issue's bulk targets, at the largest scale: report, import, export.

    Each runs ``args.bulk_runs`` times in a row, through the RSS launcher (which adds
    ~10 ms to a run of seconds), after an untimed preparation: the import and its
    floor each get a fresh empty minicrm database before every run.
    """
    source, meta = generate.ensure(contacts, args.seed, args.now)
    rows_csv = generate.import_csv(IMPORT_ROWS, args.seed)
    ndjson, ndjson_rows = generate.import_ndjson(contacts, args.seed, args.now)
    print(f"\n== bulk work: report and export at {contacts:,} contacts, import of {IMPORT_ROWS:,} CSV rows ==",
          file=sys.stderr)  # fmt: skip
    reads = fresh_copy(source, f"bench-bulk-{contacts}.db")
    template, target = OUT / "bench-import-empty.db", OUT / "bench-import.db"
    exported = OUT / "bench-export.ndjson"
    for path in (template, Path(f"{template}-wal"), Path(f"{template}-shm")):
        path.unlink(missing_ok=True)
    _, code, _, err = spawn([args.minicrm, "list"], child_env(template, args.now))  # an empty, migrated database
    if code:
        raise SystemExit(f"could not create {template}: {err.decode(errors='replace').strip()}")
    empty = lambda: fresh_copy(template, target.name)  # noqa: E731
    jobs = [
        ("minicrm report", [args.minicrm, "report"], reads, None),
        (f"floor: executemany of {IMPORT_ROWS:,} CSV rows",
         [args.python, str(BENCH / "executemany_floor.py"), str(rows_csv), str(target)], target, empty),
        (f"minicrm import ({IMPORT_ROWS:,}-row CSV)", [args.minicrm, "import", str(rows_csv)], target, empty),
        (f"minicrm import ({ndjson_rows:,}-record NDJSON)", [args.minicrm, "import", str(ndjson)], target, empty),
        ("minicrm export all --to ndjson", [args.minicrm, "export", "all", "--to", "ndjson", "-o", str(exported)],
         reads, None),
    ]  # fmt: skip
    results = {}
    try:
        for name, argv, db, prepare in jobs:
            env = child_env(db, args.now)
            times, rss = [], []

            def once() -> tuple[float, float]:
                if prepare:
                    prepare()
                started = time.perf_counter()
                peak = peak_rss(argv, env, args.python)
                return (time.perf_counter() - started) * 1000, peak

            busy = None
            for n in range(args.bulk_runs):
                (ms, peak), foreign = noise.measure(name, once)
                times.append(ms)
                rss.append(peak)
                busy = foreign if busy is None else max(busy, foreign or 0)
                print(f"  {name:<52} run {n + 1}/{args.bulk_runs}: {ms / 1000:6.2f} s, {peak:.0f} MiB", file=sys.stderr)
            results[name] = {"name": name, "command": shlex.join(argv), "times_ms": [round(t, 1) for t in times],
                             "median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1),
                             "max_ms": round(max(times), 1), "rss_mib": round(max(rss), 1), "foreign_cpu": busy}
        with exported.open("rb") as lines:
            export_lines = sum(1 for _ in lines)
    finally:
        for path in (reads, template, target):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        exported.unlink(missing_ok=True)
    floor = results[f"floor: executemany of {IMPORT_ROWS:,} CSV rows"]["median_ms"]
    results[f"minicrm import ({IMPORT_ROWS:,}-row CSV)"]["ratio"] = round(
        results[f"minicrm import ({IMPORT_ROWS:,}-row CSV)"]["median_ms"] / floor, 2)
    for r in results.values():
        if "NDJSON" in r["name"]:
            r["rows_per_s"] = round(ndjson_rows / (r["median_ms"] / 1000))
    return {"contacts": contacts, "import_rows": IMPORT_ROWS, "export_lines": export_lines,
            "interactions": meta["counts"]["interactions"], "results": results}  # fmt: skip


def bulk_verdicts(bulk: dict) -> list[tuple[str, str, str, bool]]:
    """(target, command, figure, met) for the bulk targets."""
    found = []
    for r in bulk["results"].values():
        if r["name"] == "minicrm report":
            found.append((f"≤ {TARGET_REPORT_MS / 1000:g} s @ {bulk['contacts']:,}", r["name"],
                          f"{r['median_ms'] / 1000:.2f} s", r["median_ms"] <= TARGET_REPORT_MS))  # fmt: skip
        elif "ratio" in r:
            found.append((f"≤ {TARGET_IMPORT:g}× executemany", r["name"], f"{r['ratio']:.2f}×",
                          r["ratio"] <= TARGET_IMPORT))  # fmt: skip
            found.append((f"peak RSS ≤ {TARGET_IMPORT_RSS_MIB:g} MiB", r["name"], f"{r['rss_mib']:.1f} MiB",
                          r["rss_mib"] <= TARGET_IMPORT_RSS_MIB))  # fmt: skip
        elif "rows_per_s" in r:
            found.append((f"≥ {TARGET_NDJSON_ROWS_S:,} rows/s", r["name"], f"{r['rows_per_s']:,} rows/s",
                          r["rows_per_s"] >= TARGET_NDJSON_ROWS_S))  # fmt: skip
        elif r["name"].startswith("minicrm export"):
            found.append((f"peak RSS ≤ {TARGET_EXPORT_RSS_MIB:g} MiB @ {bulk['interactions']:,} interactions",
                          r["name"], f"{r['rss_mib']:.1f} MiB", r["rss_mib"] <= TARGET_EXPORT_RSS_MIB))  # fmt: skip
    return found


# ------------------------------------------------------------------ machine


def machine(python: str) -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "?"
    memory = "?"
    try:
        kib = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                       if line.startswith("MemTotal")).split()[1])  # fmt: skip
        memory = f"{kib / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        pass
    probe = subprocess.run(
        [python, "-c", "import sys, sqlite3, typer, rich; from importlib.metadata import version as v; "
         "print(sys.version.split()[0], sqlite3.sqlite_version, v('typer'), v('rich'), v('minicrm'))"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    py, sqlite, typer, rich, minicrm = probe.stdout.split()
    hyperfine = None
    if shutil.which("hyperfine"):
        hyperfine = subprocess.run(["hyperfine", "--version"], capture_output=True, text=True).stdout.strip()
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory": memory, "os": platform.platform(),
            "python": py, "sqlite": sqlite, "typer": typer, "rich": rich, "minicrm": minicrm,
            "hyperfine": hyperfine}  # fmt: skip


def source_digest() -> str:
    """A short hash of minicrm's sources, to tell which code a results file measured."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((ROOT / "src" / "minicrm").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def load() -> str:
    """The 1-minute load average: a busy machine makes every figure worse."""
    return f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "?"


# ------------------------------------------------------------------ report


def _mark(ok: bool | None) -> str:
    return "" if ok is None else "✓" if ok else "✗"


def verdicts(data: dict) -> list[tuple[str, str, str, bool]]:
    """(target, command, figure, met) for every target that applies."""
    scales = sorted(data["scales"], key=int)
    found = []
    for scale in scales:
        results = data["scales"][scale]["results"]
        for r in results.values():
            if r["ratio"] is not None and r["target"] is not None:
                what = "typer do-nothing" if r["kind"] == "startup" else "sqlite3 floor"
                found.append((f"≤ {r['target']}× {what} @ {int(scale):,}", r["name"], f"{r['ratio']:.2f}×",
                              r["ratio"] <= r["target"]))  # fmt: skip
            if r["terminal_ratio"] is not None:
                found.append((f"terminal ≤ {TARGET_TERMINAL}× piped @ {int(scale):,}", r["name"],
                              f"{r['terminal_ratio']:.2f}×", r["terminal_ratio"] <= TARGET_TERMINAL))  # fmt: skip
            if r["name"].startswith("minicrm"):
                found.append((f"peak RSS ≤ {TARGET_RSS_MIB:g} MiB @ {int(scale):,}", r["name"],
                              f"{r['rss_mib']:.1f} MiB", r["rss_mib"] <= TARGET_RSS_MIB))  # fmt: skip
    if len(scales) > 1:
        for name, g in growth(data).items():
            if g["everyday"]:
                found.append((f"flat {int(scales[0]):,} → {int(scales[-1]):,} (≤ {TARGET_FLAT}×)", name,
                              f"{g['growth']:.2f}×", g["growth"] <= TARGET_FLAT))  # fmt: skip
    if data.get("bulk"):
        found += bulk_verdicts(data["bulk"])
    return found


def growth(data: dict) -> dict[str, dict]:
    scales = sorted(data["scales"], key=int)
    first, last = data["scales"][scales[0]]["results"], data["scales"][scales[-1]]["results"]
    out = {}
    for name, r in first.items():
        if name in last:
            out[name] = {"medians": [data["scales"][s]["results"].get(name, {}).get("median_ms") for s in scales],
                         "growth": round(last[name]["median_ms"] / r["median_ms"], 2),
                         "everyday": r["kind"] == "everyday" and not r["piped"]}  # fmt: skip
    return out


def tables(data: dict, markdown: bool) -> str:
    """Every table of the report, as aligned text or as markdown."""

    def table(header: list[str], rows: list[list[str]], right: set[int]) -> str:
        if markdown:
            lines = ["| " + " | ".join(header) + " |",
                     "| " + " | ".join("---:" if i in right else "---" for i in range(len(header))) + " |"]
            lines += ["| " + " | ".join(row) + " |" for row in rows]
            return "\n".join(lines)
        widths = [max(len(x) for x in col) for col in zip(header, *rows)]
        fmt = lambda row: "  ".join(c.rjust(w) if i in right else c.ljust(w)  # noqa: E731
                                    for i, (c, w) in enumerate(zip(row, widths))).rstrip()  # fmt: skip
        return "\n".join([fmt(header), fmt(["-" * w for w in widths]), *map(fmt, rows)])

    out = []
    noisy = False
    h = "### " if markdown else ""
    for scale in sorted(data["scales"], key=int):
        block = data["scales"][scale]
        c = block["generator"]["counts"]
        out.append(f"{h}{int(scale):,} contacts — {c['interactions']:,} interactions, {c['reminders']:,} reminders "
                   f"({c['overdue'] + c['due_today']:,} overdue or due today), "
                   f"{block['generator']['bytes'] / 2**20:.0f} MiB database")  # fmt: skip
        rows = []
        for r in block["results"].values():
            ratio = ""
            if r["ratio"] is not None:
                against = "typer" if r["kind"] == "startup" else "floor"
                ratio = f"{r['ratio']:.2f}× {against}"
                if r["target"] is not None:
                    ratio += f" {_mark(r['ratio'] <= r['target'])} (≤{r['target']:g})"
            tty = ""
            if r["terminal_ratio"] is not None:
                tty = f"{r['terminal_ratio']:.2f}× {_mark(r['terminal_ratio'] <= TARGET_TERMINAL)} (≤{TARGET_TERMINAL:g})"
            rss = f"{r['rss_mib']:.1f}"
            if r["name"].startswith("minicrm"):
                rss += f" {_mark(r['rss_mib'] <= TARGET_RSS_MIB)}"
            name = f"`{r['name']}`" if markdown else r["name"]
            median = f"{r['median_ms']:.1f}"
            limit = data["meta"].get("foreign_cpu_limit") or 0
            if limit and (r.get("foreign_cpu") or 0) > limit:
                median += " *"
                noisy = True
            cpu = f"{r['cpu_median_ms']:.1f}" if r.get("cpu_median_ms") else ""
            cpu_ratio = f"{r['cpu_ratio']:.2f}×" if r.get("cpu_ratio") else ""
            rows.append([name, median, f"{r['min_ms']:.1f}", f"{r['max_ms']:.1f}", cpu, rss, ratio, cpu_ratio, tty])
        out.append(table(["command", "median ms", "min", "max", "CPU ms", "peak RSS MiB", "ratio (target)",
                          "CPU ratio", "terminal / piped (target)"], rows, {1, 2, 3, 4, 7}))  # fmt: skip
        out.append("")
    scales = sorted(data["scales"], key=int)
    if len(scales) > 1:
        out.append(f"{h}Growth of the median from {int(scales[0]):,} to {int(scales[-1]):,} contacts")
        rows = []
        for name, g in growth(data).items():
            flat = f"{_mark(g['growth'] <= TARGET_FLAT)} (≤{TARGET_FLAT:g})" if g["everyday"] else ""
            rows.append([f"`{name}`" if markdown else name,
                         *(f"{m:.1f}" if m is not None else "" for m in g["medians"]),
                         f"{g['growth']:.2f}×", flat])  # fmt: skip
        out.append(table(["command", *(f"{int(s):,} ms" for s in scales), "growth", "flat (target)"], rows,
                         set(range(1, len(scales) + 2))))  # fmt: skip
        out.append("")
    bulk = data.get("bulk")
    if bulk:
        out.append(f"{h}Bulk work: report and export at {bulk['contacts']:,} contacts "
                   f"({bulk['interactions']:,} interactions, {bulk['export_lines']:,} lines exported), "
                   f"import of {bulk['import_rows']:,} CSV rows, and of an NDJSON file of as many contacts with "
                   "their interactions and reminders, into an empty database")  # fmt: skip
        marks: dict[str, list[str]] = {}
        for _, name, figure, met in bulk_verdicts(bulk):
            marks.setdefault(name, []).append(f"{figure} {_mark(met)}")
        rows = []
        for r in bulk["results"].values():
            rows.append([f"`{r['name']}`" if markdown else r["name"], f"{r['median_ms'] / 1000:.2f}",
                         f"{r['min_ms'] / 1000:.2f}", f"{r['max_ms'] / 1000:.2f}", f"{r['rss_mib']:.1f}",
                         "; ".join(marks.get(r["name"], []))])  # fmt: skip
        out.append(table(["command", "median s", "min", "max", "peak RSS MiB", "target figure"], rows, {1, 2, 3, 4}))
        out.append("")
    found = verdicts(data)
    missed = [v for v in found if not v[3]]
    out.append(f"{h}Targets: {len(found) - len(missed)} of {len(found)} met")
    if missed:
        out.append(table(["target missed", "command", "measured"], [[t, f"`{n}`" if markdown else n, f]
                                                                    for t, n, f, _ in missed], set()))  # fmt: skip
    meta = data["meta"]
    out.append("")
    if noisy:
        out.append(("\\* " if markdown else "* ") + "measured while other processes kept more than "
                   f"{meta['foreign_cpu_limit']} CPUs busy (see foreign_cpu in the JSON): slower than on a quiet machine.")
        out.append("")
    out.append(f"{meta['runs']} runs after {meta['warmup']} warm-ups per command, harness: {meta['harness']}; "
               f"{meta['machine']['cpus']} × {meta['machine']['cpu']}, {meta['machine']['memory']}, "
               f"Python {meta['machine']['python']}, SQLite {meta['machine']['sqlite']}, "
               f"typer {meta['machine']['typer']}, rich {meta['machine']['rich']}; minicrm sources "
               f"{meta.get('source_digest', '?')}; load {meta.get('load_before', '?')} before, "
               f"{meta.get('load_after', '?')} after; "
               f"{meta.get('remeasured', 0)} batches measured again because other processes used over "
               f"{meta.get('foreign_cpu_limit', '?')} CPUs.")  # fmt: skip
    return "\n".join(out)


# ------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1000,10000,100000", help="contact counts (default 1000,10000,100000)")
    parser.add_argument("--runs", type=int, default=15, help="timed runs per command (default 15)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs first (default 2)")
    parser.add_argument("--quick", action="store_true", help="scales 1000,10000 and 5 runs")
    parser.add_argument("--harness", choices=("auto", "hyperfine", "python"), default="python",
                        help="python (default): every command and its floor in turn each round, with CPU times; "
                             "hyperfine: each command's runs in a row; auto: hyperfine when installed")  # fmt: skip
    parser.add_argument("--rss-runs", type=int, default=3, help="extra runs measuring peak RSS (default 3)")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    parser.add_argument("--now", default=generate.DEFAULT_NOW, help="the generator's and minicrm's clock")
    parser.add_argument("--python", default=str(ROOT / ".venv" / "bin" / "python"), help="the venv's python")
    parser.add_argument("--minicrm", default=str(ROOT / ".venv" / "bin" / "minicrm"), help="the console script")
    parser.add_argument("--markdown", action="store_true", help="print the tables as markdown")
    parser.add_argument("--report", action="store_true", help="only reprint the tables of results.json")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"results file (default {RESULTS})")
    parser.add_argument("--foreign-cpu", type=float, default=0.25, metavar="CPUS",
                        help="measure a batch again when other processes used more CPUs than this "
                             "meanwhile (default 0.25; 0 turns the check off)")  # fmt: skip
    parser.add_argument("--patience", type=float, default=900, metavar="SECONDS",
                        help="at most this long in all waiting for other processes to finish (default 900)")
    parser.add_argument("--regenerate", action="store_true", help="rebuild the cached databases first")
    parser.add_argument("--keep-copies", action="store_true", help="keep the databases the commands ran on")
    parser.add_argument("--bulk-runs", type=int, default=3,
                        help="runs of report, import and export at the largest scale (default 3; 0 skips them)")
    args = parser.parse_args()

    if args.report:
        print(tables(json.loads(args.json.read_text()), args.markdown))
        return
    if args.quick:
        args.scales, args.runs, args.bulk_runs = "1000,10000", 5, 0
    scales = [int(s.replace("_", "")) for s in args.scales.split(",") if s.strip()]
    if args.runs < 1 or args.warmup < 0 or args.rss_runs < 1 or args.bulk_runs < 0:
        parser.error("--runs and --rss-runs need at least 1, --warmup and --bulk-runs at least 0")
    for tool in (args.python, args.minicrm):
        if not os.access(tool, os.X_OK):
            parser.error(f"{tool} is not there: create the venv (python -m venv .venv && .venv/bin/pip install -e .)")
    harness = args.harness
    if harness == "auto":
        harness = "hyperfine" if shutil.which("hyperfine") else "python"
    elif harness == "hyperfine" and not shutil.which("hyperfine"):
        parser.error("hyperfine is not installed (apt-get install hyperfine), use --harness python")

    data = {
        "meta": {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "harness": harness, "runs": args.runs,
                 "warmup": args.warmup, "seed": args.seed, "now": args.now, "machine": machine(args.python),
                 "source_digest": source_digest(), "load_before": load(), "foreign_cpu_limit": args.foreign_cpu,
                 "targets": {"startup_vs_typer": TARGET_STARTUP, "everyday_vs_floor": TARGET_FLOOR,
                             "terminal_vs_piped": TARGET_TERMINAL, "rss_mib": TARGET_RSS_MIB,
                             "flat_growth": TARGET_FLAT, "report_ms": TARGET_REPORT_MS,
                             "import_vs_executemany": TARGET_IMPORT, "export_rss_mib": TARGET_EXPORT_RSS_MIB}},
        "scales": {},
    }  # fmt: skip
    # What the RSS launcher itself leaves as a floor (any figure near it is at most this).
    true = shutil.which("true")
    if true:
        data["meta"]["rss_floor_mib"] = round(peak_rss([true], child_env(Path("-"), args.now), args.python), 1)
    for contacts in scales:  # generate first, so the timings are not interleaved with generation
        generate.ensure(contacts, args.seed, args.now, regenerate=args.regenerate)
    started = time.perf_counter()
    noise = Noise(args.foreign_cpu, args.patience)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    for contacts in scales:
        data["scales"][str(contacts)] = run_scale(contacts, args, harness, noise)
        # Saved after every scale, so a run that dies later still leaves what it measured.
        args.json.write_text(json.dumps({**data, "complete": False}, indent=2, ensure_ascii=False) + "\n")
    if args.bulk_runs:
        data["bulk"] = run_bulk(max(scales), args, noise)
    data["complete"] = True
    data["meta"]["remeasured"] = noise.retried
    data["meta"]["waited_seconds"] = noise.waited
    data["meta"]["seconds"] = round(time.perf_counter() - started)
    data["meta"]["load_after"] = load()
    if source_digest() != data["meta"]["source_digest"]:
        data["meta"]["source_digest"] += " (changed during the run!)"
        print("warning: minicrm's sources changed during the run; run it again for figures of one version",
              file=sys.stderr)  # fmt: skip
    args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    print(file=sys.stderr)
    print(tables(data, args.markdown))
    print(f"\n(results written to {args.json})", file=sys.stderr)


if __name__ == "__main__":
    main()
