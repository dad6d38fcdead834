"""Biträde benchmarks for the intake issue: POST /api/v1/requests end to end, and routing decisions.

    python bench/run.py [--quick] [--db sqlite|postgres|both] [--sweep] [--py-spy] [--commit REV]
                        [--no-docs] [--json FILE] [--from-json FILE]

(`make bench` runs it without options; `--help` lists them all.) It

1. measures routing decisions per second with the pure engine (bench/routing_bench.py);
2. for each database, in a child process with a fresh database and a fresh temporary BITRADE_VAR_DIR:
   loads the demo organisation, starts gunicorn on 127.0.0.1, warms up, then posts LVU requests with the
   demo API key at concurrency 1, 8 and 32 (each level bounded by a request count and a duration), checks
   that every 201 was stored and that the audit chain verifies, and profiles one request in-process
   (bench/intake_bench.py, bench/loadgen.py, bench/profile_intake.py). PostgreSQL runs under
   scripts/with-postgres.sh on port 54339 (--pg-port), a throw-away server. --sweep adds a comparison of
   gunicorn settings; --py-spy samples the workers under load to show where request threads wait;
3. rewrites the sections "Intake (POST /api/v1/requests)" and "Routing decisions" of docs/benchmarks.md,
   leaving every other section alone.

All traffic goes to 127.0.0.1. Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import machine  # noqa: E402
import report  # noqa: E402

DOCS = REPO / "docs" / "benchmarks.md"
WITH_POSTGRES = REPO / "scripts" / "with-postgres.sh"
DEFAULT_WORKERS, DEFAULT_THREADS = 4, 4
SWEEP = [(1, 8), (2, 2), (2, 4), (2, 8), (4, 1), (4, 2), (4, 4)]


def _settings(args) -> dict:
    if args.quick:
        return {"duration_s": 4.0, "max_requests": 400, "warmup_s": 2.0, "warmup_requests": 100,
                "profile_requests": 50}
    return {"duration_s": args.duration, "max_requests": args.max_requests, "warmup_s": 5.0,
            "warmup_requests": 500, "profile_requests": 200}


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _busy_pct(seconds: float = 2.0) -> float:
    b0, t0 = machine.machine_cpu_ticks()
    time.sleep(seconds)
    b1, t1 = machine.machine_cpu_ticks()
    return (b1 - b0) / max(t1 - t0, 1) * 100


def _wait_for_quiet(max_wait_s: float, threshold_pct: float = 20.0) -> float:
    """Wait (bounded) until the machine is mostly idle; returns the busy % last seen."""
    busy = _busy_pct()
    deadline = time.monotonic() + max_wait_s
    while busy > threshold_pct and time.monotonic() < deadline:
        print(f"machine is {busy:.0f} % busy with other work; waiting (at most {max_wait_s:.0f} s in all)")
        time.sleep(5)
        busy = _busy_pct()
    return busy


def _git(*args: str) -> subprocess.CompletedProcess:
    """Read-only git queries (no command here changes the repository or its index)."""
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, timeout=60, check=False)


def source_info(commit: str | None) -> dict:
    head = _git("rev-parse", "--short=12", commit or "HEAD")
    info = {"commit": head.stdout.decode().strip() or "unknown", "snapshot": bool(commit)}
    if not commit:
        changed = _git("diff-index", "--quiet", "HEAD", "--", "src").returncode == 1
        untracked = bool(_git("ls-files", "--others", "--exclude-standard", "--", "src").stdout.strip())
        info["uncommitted_src"] = changed or untracked
    return info


def use_snapshot(commit: str, into: Path) -> Path:
    """Extract src/ of ``commit`` (git archive, read-only) and make children and this process import it."""
    archive = _git("archive", "--format=tar", commit, "src")
    if archive.returncode != 0:
        raise SystemExit(f"git archive {commit} failed: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True, timeout=120)
    src = into / "src"
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in [str(src), os.environ.get("PYTHONPATH", "")] if p)
    sys.path.insert(0, str(src))
    sources = REPO / "src" / "bitrade" / "legal" / "sources"
    if not (src / "bitrade" / "legal" / "sources").is_dir() and sources.is_dir():
        os.environ.setdefault("BITRADE_SEEDS_DIR", str(sources))  # a commit from before the sources moved in
    return src


def _child_cmd(db: str, out: Path, args, levels: list[int], workers: int, threads: int,
               profile: bool) -> list[str]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", db, "--child-out", str(out),
           "--levels", ",".join(map(str, levels)), "--workers", str(workers), "--threads", str(threads),
           "--duration", str(args.duration), "--max-requests", str(args.max_requests)]
    if args.quick:
        cmd.append("--quick")
    if not profile:
        cmd.append("--no-profile")
    if args.py_spy and profile:
        cmd.append("--py-spy")
    if db == "postgres":
        cmd = [str(WITH_POSTGRES), *cmd]
    return cmd


def run_intake(db: str, args, *, levels: list[int], workers: int, threads: int, profile: bool = True) -> dict:
    env = dict(os.environ)
    if db == "postgres":
        if not _port_free(args.pg_port):
            return {"db": db, "failed": f"port 127.0.0.1:{args.pg_port} is in use; pass --pg-port"}
        env["BITRADE_PG_PORT"] = str(args.pg_port)
    else:
        env.pop("DATABASE_URL", None)
    with tempfile.TemporaryDirectory(prefix="bitrade-bench-out-") as tmp:
        out = Path(tmp) / "result.json"
        cmd = _child_cmd(db, out, args, levels, workers, threads, profile)
        try:
            proc = subprocess.run(cmd, env=env, cwd=str(REPO), timeout=3600, check=False)
        except subprocess.TimeoutExpired:
            return {"db": db, "failed": "the benchmark did not finish within an hour"}
        if proc.returncode != 0 or not out.exists():
            return {"db": db, "failed": f"benchmark process exited with {proc.returncode}"}
        return json.loads(out.read_text(encoding="utf-8"))


def child(args) -> int:
    import intake_bench

    s = _settings(args)
    levels = [int(x) for x in args.levels.split(",") if x]
    try:
        result = intake_bench.run(
            args.child, levels=levels, duration_s=s["duration_s"], max_requests=s["max_requests"],
            warmup_s=s["warmup_s"], warmup_requests=s["warmup_requests"], workers=args.workers,
            threads=args.threads, profile_requests=0 if args.no_profile else s["profile_requests"],
            py_spy=args.py_spy,
            log=lambda m: print(m, flush=True),
        )
    except Exception as exc:  # reported to the parent as a failed run, with the reason
        result = {"db": args.child, "failed": f"{type(exc).__name__}: {exc}"}
        print(f"[{args.child}] FAILED: {result['failed']}", flush=True)
    Path(args.child_out).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0 if "failed" not in result else 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="short levels (4 s / 400 requests) for a smoke run")
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both",
                   help="which database(s) the intake benchmark runs on (default both)")
    p.add_argument("--duration", type=float, default=15.0, help="seconds per level (default 15)")
    p.add_argument("--max-requests", type=int, default=5000, help="requests per level at most (default 5000)")
    p.add_argument("--workers", type=int, default=DEFAULT_WORKERS, help=f"gunicorn workers (default {DEFAULT_WORKERS})")
    p.add_argument("--threads", type=int, default=DEFAULT_THREADS, help=f"gunicorn threads per worker (default {DEFAULT_THREADS})")
    p.add_argument("--sweep", action="store_true",
                   help="also compare gunicorn settings on SQLite at concurrency 8 (fresh database each)")
    p.add_argument("--py-spy", action="store_true",
                   help="after the levels, sample the gunicorn workers with py-spy (pip install py-spy) during an "
                        "extra level at concurrency 8, and report where request threads wait")
    p.add_argument("--pg-port", type=int, default=int(os.environ.get("BITRADE_BENCH_PG_PORT", "54339")),
                   help="port of the throw-away PostgreSQL (default 54339, or $BITRADE_BENCH_PG_PORT)")
    p.add_argument("--commit", help="benchmark src/ as of this commit (a read-only git archive snapshot) "
                   "instead of the working tree")
    p.add_argument("--skip-routing", action="store_true", help="leave out the routing benchmark")
    p.add_argument("--skip-intake", action="store_true", help="leave out the intake benchmark")
    p.add_argument("--no-docs", action="store_true", help="print only; leave docs/benchmarks.md alone")
    p.add_argument("--docs", default=str(DOCS), help=argparse.SUPPRESS)
    p.add_argument("--from-json", help="rewrite the docs sections from a results file written by --json; "
                   "measure nothing")
    p.add_argument("--json", help="also write every figure as JSON to this file")
    p.add_argument("--wait-idle", type=float, default=None,
                   help="seconds to wait at most for other work on the machine to finish (default 120, quick 0)")
    # internal: one database's intake benchmark in its own process
    p.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    p.add_argument("--child-out", help=argparse.SUPPRESS)
    p.add_argument("--levels", default="1,8,32", help=argparse.SUPPRESS)
    p.add_argument("--no-profile", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    args.duration = max(1.0, min(args.duration, 600.0))
    args.max_requests = max(10, min(args.max_requests, 1_000_000))
    if args.child:
        return child(args)
    if args.from_json:
        results = json.loads(Path(args.from_json).read_text(encoding="utf-8"))
        print(report.console_summary(results))
        report.update_docs(Path(args.docs), results)
        print(f"\nwrote {args.docs}")
        return 0

    with tempfile.TemporaryDirectory(prefix="bitrade-bench-src-") as snapshot:
        if args.commit:
            use_snapshot(args.commit, Path(snapshot))
        return _main(args, argv)


def _routing(routing_bench, quick: bool, cores: int) -> dict:
    """The routing benchmark, with the share of the machine other processes used meanwhile."""
    b0, _t0 = machine.machine_cpu_ticks()
    c0 = time.process_time()
    w0 = time.perf_counter()
    result = routing_bench.run(quick=quick)
    wall = time.perf_counter() - w0
    b1, _t1 = machine.machine_cpu_ticks()
    own = time.process_time() - c0
    other = max((b1 - b0) / machine.CLK_TCK - own, 0) / (wall * cores) * 100
    result["other_cpu_pct_of_machine"] = round(other, 1)
    return result


def _shown_args(argv: list[str] | None) -> list[str]:
    """The command-line options worth recording (not where the output went)."""
    raw = list(argv if argv is not None else sys.argv[1:])
    shown, skip = [], False
    for a in raw:
        if skip:
            skip = False
            continue
        if a in ("--json", "--docs"):
            skip = True
            continue
        if a.startswith(("--json=", "--docs=")):
            continue
        shown.append(a)
    return shown


def _main(args, argv) -> int:
    started = datetime.now(UTC)
    info = machine.describe()
    wait = args.wait_idle if args.wait_idle is not None else (0 if args.quick else 120)
    background = _wait_for_quiet(wait)
    print(f"{info['cpu']}, {info['cores']} cores, {info['ram_gib']} GiB RAM, Python {info['python']}, "
          f"SQLite {info['sqlite']}; machine {background:.0f} % busy before the run")
    results: dict = {"started": started.isoformat(timespec="seconds"), "machine": info, "quick": args.quick,
                     "background_busy_pct": round(background, 1), "source": source_info(args.commit),
                     "command": "python bench/run.py " + " ".join(_shown_args(argv))}

    if not args.skip_routing:
        import routing_bench

        print("routing: Region Syd, 20 rules, 50 units ...", flush=True)
        results["routing"] = _routing(routing_bench, args.quick, info["cores"] or 1)
        if results["routing"]["other_cpu_pct_of_machine"] > 20:
            print(f"other work used {results['routing']['other_cpu_pct_of_machine']} % of the machine; waiting for "
                  "quiet and measuring routing once more", flush=True)
            _wait_for_quiet(120)
            again = _routing(routing_bench, args.quick, info["cores"] or 1)
            if again["other_cpu_pct_of_machine"] < results["routing"]["other_cpu_pct_of_machine"]:
                results["routing"] = again
        for label, r in results["routing"]["variants"].items():
            print(f"  {label}: {r['median_per_s']:,} decisions/s (median; {r['us_per_decision']} µs)")

    if not args.skip_intake:
        dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
        results["intake"] = {}
        for db in dbs:
            print(f"intake on {db} ...", flush=True)
            results["intake"][db] = run_intake(db, args, levels=[1, 8, 32], workers=args.workers,
                                               threads=args.threads)
            if "failed" in results["intake"][db]:
                print(f"intake on {db} FAILED: {results['intake'][db]['failed']}")
            elif db == "postgres" and results["intake"][db].get("db_version"):
                info["postgresql_server"] = results["intake"][db]["db_version"].split()[1]
        if args.sweep:
            results["sweep"] = []
            for w, t in SWEEP:
                print(f"sweep: gunicorn --workers {w} --threads {t} (SQLite, concurrency 8) ...", flush=True)
                r = run_intake("sqlite", args, levels=[8], workers=w, threads=t, profile=False)
                results["sweep"].append({"workers": w, "threads": t, **r})

    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    print()
    print(report.console_summary(results))
    if not args.no_docs:
        docs = Path(args.docs)
        report.update_docs(docs, results)
        print(f"\nwrote {docs}")
    failed = [db for db, r in results.get("intake", {}).items() if "failed" in r]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
