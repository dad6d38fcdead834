"""Turning benchmark results into the console summary and the sections of docs/benchmarks.md."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

INTAKE_TITLE = "Intake (POST /api/v1/requests)"
ROUTING_TITLE = "Routing decisions"
SWEEP_TITLE = "### Gunicorn settings tried"

AIM_RPS, AIM_P99_MS, AIM_CONCURRENCY = 200, 100, 8
AIM_DECISIONS = 20_000

PREAMBLE = """# Benchmarks

Performance figures for Biträde, measured with `make bench` (`python bench/run.py`). Each `##` section
belongs to one benchmark and is rewritten when that benchmark runs again; the other sections are left as
they are. Figures depend on the machine and on what else runs on it: every section says where, when and
with which settings it was measured. Timings are reported, never asserted in tests.
"""

DB_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
PREP = "RoutingTable.route() (prepared table)"
SAME = "route(facts, rules, units) (same objects each call)"
EQUAL_FIRST = "route(facts, rules, units) (same objects each call, after an equal configuration from other objects)"
FRESH = "route() with the configuration rebuilt per call (new, equal objects)"


def _fmt(v, digits: int = 1) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, int) or (isinstance(v, float) and digits == 0):
        return f"{v:,.0f}".replace(",", "\u202f")
    return f"{v:,.{digits}f}".replace(",", "\u202f")


def _when(results: dict) -> str:
    at = datetime.fromisoformat(results["started"])
    return at.strftime("%Y-%m-%d %H:%M UTC")


def _machine_line(results: dict, *, gunicorn: str | None = None, postgres: str | None = None) -> str:
    m = results["machine"]
    parts = [f"{m['cpu']}", f"{m['cores']} cores", f"{_fmt(m['ram_gib'])} GiB RAM", f"Linux {m['kernel']}",
             f"Python {m['python']}", f"Django {m['django']}", f"SQLite {m['sqlite']}"]
    if postgres:
        parts.append(f"PostgreSQL {postgres}")
    if gunicorn:
        parts.append(f"gunicorn {m['gunicorn']} (`{gunicorn}`)")
    return "**Machine:** " + " · ".join(parts) + "."


def _run_line(results: dict, other_load_pct: float | None = None) -> str:
    kind = "a quick run with short levels, indicative only" if results.get("quick") else "a full run"
    text = f"Measured {_when(results)} by `{results['command'].strip()}`, {kind},"
    src = results.get("source") or {}
    if src.get("snapshot"):
        text += f" on the code of commit `{src['commit']}`."
    elif src.get("uncommitted_src"):
        text += f" on the working tree (commit `{src.get('commit')}` plus uncommitted changes in `src/`)."
    else:
        text += f" on commit `{src.get('commit', 'unknown')}`."
    if other_load_pct is not None and other_load_pct > 20:
        text += (f" **Other work used up to {other_load_pct:.0f} % of the machine during the measurements "
                 "(column Other load): those figures are lower than on an idle machine.**")
    return text


# --- intake ------------------------------------------------------------------------------------


def _level(result: dict, concurrency: int) -> dict | None:
    return next((lv for lv in result.get("levels", []) if lv["concurrency"] == concurrency), None)


def intake_aim(results: dict) -> tuple[bool | None, str]:
    sqlite = results.get("intake", {}).get("sqlite")
    lv = _level(sqlite, AIM_CONCURRENCY) if sqlite and "failed" not in sqlite else None
    if lv is None:
        return None, "not measured in this run"
    ok = lv["throughput_rps"] >= AIM_RPS and lv["p99_ms"] < AIM_P99_MS and lv["errors"] == 0
    parts = [
        f"{_fmt(lv['throughput_rps'])} req/s ({'≥' if lv['throughput_rps'] >= AIM_RPS else '<'} {AIM_RPS})",
        f"p99 {_fmt(lv['p99_ms'])} ms ({'<' if lv['p99_ms'] < AIM_P99_MS else '≥'} {AIM_P99_MS})",
        f"{lv['errors']} errors",
    ]
    return ok, ("**met**" if ok else "**not met**") + ": " + ", ".join(parts)


def _intake_table(results: dict) -> list[str]:
    lines = [
        "| Database | Concurrency | Requests | Throughput (req/s) | p50 (ms) | p90 (ms) | p99 (ms) | max (ms) "
        "| Errors | App CPU (ms/req) | DB server CPU (ms/req) | Machine CPU busy | Other load |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for db, r in results.get("intake", {}).items():
        name = DB_NAMES[db]
        if "failed" in r:
            lines.append(f"| {name} | – | – | failed: {r['failed']} | | | | | | | | | |")
            continue
        for lv in r["levels"]:
            lines.append(
                f"| {name} | {lv['concurrency']} | {_fmt(lv['completed'])} | {_fmt(lv['throughput_rps'])} "
                f"| {_fmt(lv['p50_ms'])} | {_fmt(lv['p90_ms'])} | {_fmt(lv['p99_ms'])} | {_fmt(lv['max_ms'])} "
                f"| {lv['errors']} | {_fmt(lv['app_cpu_ms_per_req'])} "
                f"| {_fmt(lv['db_cpu_ms_per_req']) if lv['db_cpu_ms_per_req'] is not None else 'in app'} "
                f"| {_fmt(lv['machine_busy_pct'], 0)} % | {_fmt(lv['other_cpu_pct_of_machine'], 0)} %"
                + (" (level measured twice)" if lv.get("repeated") else "") + " |"
            )
    return lines


def _profile_table(results: dict) -> list[str]:
    profiles = {db: r["profile"] for db, r in results.get("intake", {}).items() if r.get("profile")}
    if not profiles:
        return []
    dbs = list(profiles)
    head = "| Part of the request | Calls |" + "".join(f" {DB_NAMES[d]} ms | {DB_NAMES[d]} share |" for d in dbs)
    sep = "|---|--:|" + "--:|--:|" * len(dbs)
    lines = [head, sep]
    labels = [row["what"] for row in profiles[dbs[0]]["breakdown"]]
    for label in labels:
        cells, calls = [], None
        for d in dbs:
            row = next((x for x in profiles[d]["breakdown"] if x["what"] == label), None)
            if row is None:
                cells += ["–", "–"]
                continue
            calls = row["calls_per_request"] if calls is None else calls
            cells += [_fmt(row["ms_per_request"], 2), f"{_fmt(row['share_pct'], 0)} %"]
        shown = label.replace("  ", "\u2003")
        calls_text = f"{calls:g}" if calls is not None else "–"
        lines.append(f"| {shown} | {calls_text} | " + " | ".join(cells) + " |")
    return lines


def _row(prof: dict, label: str) -> dict | None:
    return next((r for r in prof["breakdown"] if r["what"].strip() == label), None)


def _scaling(r: dict) -> str:
    """How throughput and CPU behave from concurrency 1 to 8 (what limits it)."""
    one, eight = _level(r, 1), _level(r, AIM_CONCURRENCY)
    if not one or not eight or not one["throughput_rps"]:
        return ""
    gain = eight["throughput_rps"] / one["throughput_rps"]
    busy = max(eight["machine_busy_pct"] - eight["other_cpu_pct_of_machine"], 0)
    text = (f"from concurrency 1 to {AIM_CONCURRENCY} throughput goes from {_fmt(one['throughput_rps'])} to "
            f"{_fmt(eight['throughput_rps'])} req/s (×{gain:.2f}) and p99 from {_fmt(one['p99_ms'])} to "
            f"{_fmt(eight['p99_ms'])} ms, with the machine's CPUs {_fmt(busy, 0)} % busy with the benchmark")
    if busy < 75:
        text += ": the CPUs are not the limit, requests are waiting for each other"
    elif busy < 90:
        text += ": partly CPU-bound, partly waiting"
    else:
        text += ": CPU-bound"
    spy = r.get("py_spy") or {}
    shares = spy.get("shares_pct") or {}
    waits = [(k, v) for k, v in shares.items() if not k.startswith(("Python", "everything else"))]
    if waits:
        top, pct = max(waits, key=lambda kv: kv[1])
        text += f" (py-spy at concurrency 8: {_fmt(pct)} % of request-thread time in “{top}”)"
    return text


def _findings(results: dict) -> list[str]:
    """Observations derived from this run's figures (so they stay true when the code changes)."""
    out = []
    intake = results.get("intake", {})
    cores = results["machine"]["cores"] or 1
    for db, r in intake.items():
        if "failed" in r or not r.get("levels"):
            continue
        lv = _level(r, AIM_CONCURRENCY) or r["levels"][-1]
        app = lv["app_cpu_ms_per_req"] or 0
        dbc = lv["db_cpu_ms_per_req"] or 0
        cli = lv["client_cpu_ms_per_req"] or 0
        total = app + dbc + cli
        text = f"**{DB_NAMES[db]}**: {_scaling(r)}. " if _scaling(r) else f"**{DB_NAMES[db]}**: "
        if total > 0:
            text += (
                f"At concurrency {lv['concurrency']} one request costs {_fmt(app)} ms of CPU in gunicorn"
                + (f" + {_fmt(dbc)} ms in PostgreSQL" if dbc else "")
                + f" + {_fmt(cli)} ms in the load generator, so {cores} cores cannot serve more than about "
                f"{_fmt(1000 * cores / total, 0)} req/s even without waiting; {AIM_RPS} req/s needs the whole "
                f"request under {_fmt(1000 * cores / AIM_RPS - cli)} ms of CPU."
            )
        out.append(text)
        prof = r.get("profile")
        if not prof:
            continue
        sql = prof["sql_per_request"]
        writes = sql.get("commits", 0) + sql.get("autocommit_writes", 0)
        text = (
            f"{DB_NAMES[db]}, in-process and one at a time: {_fmt(prof['plain_ms_per_request'])} ms per request "
            f"(≈ {_fmt(prof['single_thread_ceiling_rps'], 0)} req/s per core), {_fmt(sql['statements'], 0)} SQL "
            f"statements ({_fmt(sql['select'], 0)} SELECT, {_fmt(sql['insert'], 0)} INSERT, "
            f"{_fmt(sql['update'], 0)} UPDATE) in {_fmt(writes, 0)} separate write transactions "
            f"({_fmt(sql.get('autocommit_writes', 0), 0)} of them an autocommit UPDATE)."
        )
        if db == "sqlite" and prof.get("write_lock_ms_per_request"):
            lock = prof["write_lock_ms_per_request"]
            text += (
                f" SQLite has one writer at a time, and a request holds the write lock for {_fmt(lock)} ms "
                f"(from `BEGIN IMMEDIATE` to `COMMIT`, plus the autocommit UPDATE): whatever the number of "
                f"workers, at most ≈ {_fmt(1000 / lock, 0)} req/s, and less under contention, because waiters "
                "poll the lock with sleeps (busy_timeout) and threads of one worker share the GIL while one of "
                "them holds the lock."
            )
            if prof.get("plan_inside_write_transaction"):
                text += (" The intake transaction takes the lock at its start, then runs the formal review and "
                         "routing (plan_route) inside it.")
            elif prof.get("plan_inside_write_transaction") is False:
                text += " The formal review and routing (plan_route) run before the write transaction."
        if db == "postgres":
            if prof.get("db_server_cpu_ms_per_request") is not None:
                text += f" PostgreSQL spends {_fmt(prof['db_server_cpu_ms_per_request'])} ms of CPU per request."
            if prof.get("row_lock_ms_per_request"):
                text += (
                    f" From the first `SELECT … FOR UPDATE` of the intake transaction (the region's reference "
                    f"counter; then the audit chain head, one row for the whole system) to `COMMIT`, "
                    f"{_fmt(prof['row_lock_ms_per_request'])} ms pass: intake requests queue behind those row "
                    f"locks, at most ≈ {_fmt(1000 / prof['row_lock_ms_per_request'], 0)} req/s per region."
                )
        out.append(text)

    prof = next((r["profile"] for r in intake.values() if r.get("profile")), None)
    if prof:
        config = [_row(prof, k) for k in ("routing selectors: unit_infos", "routing selectors: routing_rules",
                                          "routing selectors: area_names", "routing selectors: ack_thresholds")]
        config = [c for c in config if c]
        decide = _row(prof, "routing engine: route()")
        if config:
            out.append(
                f"The routing configuration (units with office hours, rules, area names, acknowledgement "
                f"thresholds) is loaded from the database on every request: {_fmt(sum(c['ms_per_request'] for c in config), 2)} "
                f"ms, {_fmt(sum(c['share_pct'] or 0 for c in config), 0)} % of the profiled request ({prof['engine']}), "
                f"while the decision itself takes {_fmt(decide['ms_per_request'], 2) if decide else '–'} ms."
            )
        cat = _row(prof, "load_catalogue (reads and validates the legal catalogue JSON)")
        if cat and cat["calls_per_request"] >= 1:
            out.append(
                f"The legal catalogue is read from disk and validated on every request (`load_catalogue()` in "
                f"the formal review: {_fmt(cat['ms_per_request'], 2)} ms, {_fmt(cat['share_pct'], 0)} %); "
                "`default_catalogue()` caches it per process."
            )
        audit = _row(prof, "audit.record (all audit events of the request)")
        if audit:
            out.append(
                f"{_fmt(audit['calls_per_request'], 0)} audit events per POST ({_fmt(audit['ms_per_request'], 2)} ms, "
                f"{_fmt(audit['share_pct'], 0)} % of the profiled request, {prof['engine']}); each takes the single "
                "audit chain head row (`SELECT … FOR UPDATE`), so every audited write in the system passes "
                "through that one row."
            )
        conn = [c for c in (_row(prof, "Open database connection (CONN_MAX_AGE=0: every request)"),
                            _row(prof, "Close database connection")) if c]
        if conn:
            out.append(
                f"A new database connection for every request (`conn_max_age=0`): opening and closing take "
                f"{_fmt(sum(c['ms_per_request'] for c in conn), 2)} ms ({_fmt(sum(c['share_pct'] or 0 for c in conn), 0)} %) "
                f"in the {prof['engine']} profile; on PostgreSQL every new backend also has to fill its caches "
                "(see the PostgreSQL CPU in the experiments below)."
            )
    return out


def _what_if_table(results: dict) -> list[str]:
    runs = {db: r["profile"]["what_if"] for db, r in results.get("intake", {}).items()
            if r.get("profile") and len(r["profile"].get("what_if") or []) > 1}
    if not runs:
        return []
    lines = [
        "Experiments (`bench/profile_intake.py`, in-process, one request at a time; each row adds one change "
        "to the row above, made inside the benchmark process only — the application is benchmarked as it is "
        "everywhere else on this page):",
        "",
        "| Change | " + " | ".join(
            f"{DB_NAMES[d]} ms/req | " + ("SQLite write lock ms/req" if d == "sqlite" else "PostgreSQL CPU ms/req")
            for d in runs) + " |",
        "|---|" + "--:|--:|" * len(runs),
    ]
    labels = [w["label"] for w in next(iter(runs.values()))]
    for label in labels:
        cells = []
        for d, rows in runs.items():
            w = next((x for x in rows if x["label"] == label), None)
            if w is None:
                cells += ["–", "–"]
                continue
            second = w["write_lock_ms_per_request"] if d == "sqlite" else w["db_server_cpu_ms_per_request"]
            cells += [_fmt(w["ms_per_request"], 2), _fmt(second, 2)]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def _spy_lines(results: dict) -> list[str]:
    out = []
    for db, r in results.get("intake", {}).items():
        spy = r.get("py_spy")
        if not spy or not spy.get("shares_pct"):
            continue
        out += [
            f"py-spy on the gunicorn workers ({DB_NAMES[db]}, concurrency 8, {spy['seconds']} s, "
            f"{_fmt(spy['samples'])} samples of threads handling a request, "
            f"{_fmt(spy['throughput_rps'])} req/s while sampled): where request threads are",
            "",
            "| Where | Share of request-thread time |",
            "|---|--:|",
        ]
        out += [f"| {k} | {_fmt(v)} % |" for k, v in spy["shares_pct"].items()]
        out.append("")
    return out


def _limits(runs: list[dict]) -> str:
    lim = next((r["limits"] for r in runs if r.get("limits")), None)
    if not lim:
        return "until its request limit or its time is up"
    return (f"until {_fmt(lim['max_requests'])} requests were sent or {_fmt(lim['duration_s'], 0)} s have "
            f"passed, whichever comes first (warm-up: {_fmt(lim['warmup_requests'])} requests or "
            f"{_fmt(lim['warmup_s'], 0)} s)")


def intake_section(results: dict, old_section: str | None) -> str:
    intake = results.get("intake", {})
    ok_runs = [r for r in intake.values() if "failed" not in r]
    gunicorn = next((r["gunicorn"] for r in ok_runs if r.get("gunicorn")), None)
    pg = next((r["db_version"].split()[1] for db, r in intake.items()
               if db == "postgres" and "failed" not in r and r.get("db_version")), None)
    _ok, aim_text = intake_aim(results)
    other = max((lv["other_cpu_pct_of_machine"] for r in ok_runs for lv in r.get("levels", [])), default=None)
    lines = [
        f"## {INTAKE_TITLE}",
        "",
        _run_line(results, other),
        "",
        _machine_line(results, gunicorn=gunicorn, postgres=pg),
        "",
        f"**Aim** (intake issue): ≥ {AIM_RPS} requests/s with p99 < {AIM_P99_MS} ms at concurrency "
        f"{AIM_CONCURRENCY} on SQLite — {aim_text}.",
        "",
        "Run it with `make bench` or `python bench/run.py [--quick] [--db sqlite|postgres|both] [--sweep] "
        "[--py-spy] [--commit REV]` (`--help` explains them).",
        "",
        "How it is measured:",
        "",
        "- A fresh database per engine: SQLite in a new temporary `BITRADE_VAR_DIR` (WAL, `BEGIN IMMEDIATE`); "
        "PostgreSQL 15 from `scripts/with-postgres.sh` (throw-away, `fsync=off`). `bitrade setup-demo` loads "
        "the demo organisation; `BITRADE_ENV=production`, `DEBUG` off.",
        "- gunicorn serves `bitrade.config.wsgi:application` on 127.0.0.1; the load generator "
        "(`bench/loadgen.py`) runs on the same machine: N threads, one keep-alive connection each, closed "
        "loop (a client sends its next request when the previous one is answered).",
        "- Every request is the LVU body of `bitrade/intake/tests/helpers.py` (`LVU_CARE`, a small PDF "
        "attached) with the demo API key of Socialnämnden Malmö stad and a fresh `Idempotency-Key`; anything "
        f"but 201 is an error. A warm-up comes first; then each level runs {_limits(ok_runs)}. Levels run one "
        "after the other on the same database, which grows.",
        "- Latency is the client's, per request, over all responses. CPU columns: gunicorn master and "
        "workers (`/proc`), PostgreSQL server processes incl. finished backends, whole machine; *Other load* "
        "is CPU used by processes outside the benchmark (other work on the machine).",
        "",
    ]
    lines += _intake_table(results)
    lines.append("")
    for db, r in intake.items():
        if "failed" in r:
            continue
        c = r.get("consistency") or {}
        audit = c.get("audit_chain") or {}
        stored = (c.get("rows") or {}).get("intake_assistancerequest")
        lines.append(
            f"- {r.get('db_version') or DB_NAMES[db]}: {_fmt(stored)} requests stored for "
            f"{_fmt(c.get('responses_201'))} answers 201 "
            f"({'match' if c.get('requests_stored_match_201') else '**MISMATCH**'}); audit chain "
            f"{'verifies' if audit.get('ok') else '**does not verify**'} "
            f"({_fmt(audit.get('checked'))} events)."
        )
        seal = r.get("seal_delay") or {}
        if seal.get("sealed"):
            lines.append(
                f"  - Seal delay under load (the sealer, `bitrade audit seal --follow --interval "
                f"{r.get('sealer_interval_s', 0.5)}`, ran beside gunicorn; its CPU is counted as the app's): from an "
                f"event's insert to its seal p50 {_fmt(seal.get('p50_ms'))} ms, p99 {_fmt(seal.get('p99_ms'))} ms, "
                f"max {_fmt(seal.get('max_ms'))} ms over {_fmt(seal.get('sealed'))} events "
                f"(aim: within 1 s; {_fmt(seal.get('unsealed_at_stop'))} left for the final seal)."
            )
            fc = seal.get("from_commit") or {}
            if fc:
                lines.append(
                    f"  - From the commit (a watcher lists the unsealed events every 50 ms; an event is visible to "
                    f"it only once committed) to the seal: p50 {_fmt(fc.get('p50_ms'))} ms, p99 "
                    f"{_fmt(fc.get('p99_ms'))} ms, max {_fmt(fc.get('max_ms'))} ms over {_fmt(fc.get('events'))} "
                    f"events. The insert-to-seal figure above also counts the rest of the request before its commit."
                )
        floor = r.get("raw_insert_floor") or {}
        if floor.get("transactions_per_s"):
            c8 = _level(r, 8)
            ratio = (f"; the app at concurrency 8 reaches {_fmt(c8['throughput_rps'])} req/s = "
                     f"{_fmt(c8['throughput_rps'] / floor['transactions_per_s'] * 100)} % of it") if c8 else ""
            lines.append(
                f"  - Raw-insert floor in the same run: one plain connection, no Django, "
                f"{floor['inserts_per_transaction']} row inserts per transaction (as one intake request writes), "
                f"{_fmt(floor['transactions_per_s'])} transactions/s{ratio}."
            )
        samples = [s for lv in r["levels"] for s in lv.get("error_samples", [])]
        samples += r.get("warmup", {}).get("error_samples", [])
        for s in samples[:3]:
            lines.append(f"  - error sample: `{s[:240].replace('`', chr(39))}`")
    lines.append("")

    findings = _findings(results)
    if findings:
        lines += ["### Where the time goes", ""]
        lines += [f"- {f}" for f in findings]
        lines.append("")
        table = _profile_table(results)
        if table:
            n = next(r["profile"]["requests"] for r in intake.values() if r.get("profile"))
            lines += [
                f"In-process profile (`bench/profile_intake.py`: the WSGI application called directly, {n} "
                "requests one after the other, cProfile; cProfile slows Python code down, so compare the "
                "shares rather than the absolute ms; indented rows are part of the row above):",
                "",
                *table,
                "",
            ]
        what_if = _what_if_table(results)
        if what_if:
            lines += [*what_if, ""]
        lines += _spy_lines(results)

    sweep = results.get("sweep")
    if sweep:
        lines += [SWEEP_TITLE, "", f"SQLite, concurrency 8, fresh database each, measured {_when(results)}:", "",
                  "| gunicorn | Throughput (req/s) | p50 (ms) | p99 (ms) | Errors | Machine CPU busy | Other load |",
                  "|---|--:|--:|--:|--:|--:|--:|"]
        for s in sweep:
            setting = f"`--workers {s['workers']} --threads {s['threads']}`"
            if "failed" in s or not s.get("levels"):
                lines.append(f"| {setting} | failed: {s.get('failed', '?')} | | | | | |")
                continue
            lv = s["levels"][0]
            lines.append(f"| {setting} | {_fmt(lv['throughput_rps'])} | {_fmt(lv['p50_ms'])} | "
                         f"{_fmt(lv['p99_ms'])} | {lv['errors']} | {_fmt(lv['machine_busy_pct'], 0)} % | "
                         f"{_fmt(lv['other_cpu_pct_of_machine'], 0)} % |")
        rates = [x["levels"][0]["throughput_rps"] for x in sweep if "failed" not in x and x.get("levels")]
        if rates and min(rates) > 0:
            lines.append("")
            spread = max(rates) / min(rates)
            text = (f"Throughput ranges from {_fmt(min(rates))} to {_fmt(max(rates))} req/s over these settings "
                    f"(×{spread:.2f})")
            text += (": within the noise of a shared machine; the gunicorn settings are not what limits intake."
                     if spread < 1.3 else ".")
            disturbed = [x for x in sweep if x.get("levels")
                         and x["levels"][0]["other_cpu_pct_of_machine"] > 20]
            if disturbed:
                text += (f" {len(disturbed)} of {len(sweep)} settings were measured while other work used more "
                         "than 20 % of the machine (column Other load); they read low and do not compare.")
            lines.append(text)
        lines.append("")
    elif old_section and SWEEP_TITLE in old_section:
        kept = old_section[old_section.index(SWEEP_TITLE):].rstrip("\n")
        lines += [kept, ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# --- routing -----------------------------------------------------------------------------------


def routing_aim(results: dict) -> tuple[bool | None, str]:
    r = results.get("routing")
    if not r:
        return None, "not measured in this run"
    v = r["variants"]
    prep, per_call = v[PREP]["median_per_s"], v[SAME]["median_per_s"]
    ok = prep >= AIM_DECISIONS and per_call >= AIM_DECISIONS
    return ok, (f"{'**met**' if ok else '**not met**'}: {_fmt(prep)} decisions/s with a prepared "
                f"RoutingTable, {_fmt(per_call)} with route()")


def routing_section(results: dict) -> str:
    r = results["routing"]
    _ok, aim_text = routing_aim(results)
    lines = [
        f"## {ROUTING_TITLE}",
        "",
        _run_line(results),
        "",
        _machine_line(results),
        "",
        f"**Aim** (intake issue): ≥ {_fmt(AIM_DECISIONS)} routing decisions/s — {aim_text}.",
        "",
        f"The pure engine (`bitrade.routing.rules`, no database) on Region Syd as `bench/routing_bench.py` "
        f"builds it: {r['units']} active units (RLC, duty officer, station commander desks per police area and "
        f"per local police area, handräckningsgrupper, BOPS, border police, administrative support; 24/7 and "
        f"office hours) and {r['rules']} rules (16 for region Syd — by law, lagrum, priority, age, police "
        f"area, with opening-hour requirements, one not yet in force, one expired, one naming a removed unit "
        f"— plus the 4 national defaults). {_fmt(r['cases'])} cases spread over 2026, one decision each, "
        f"repeated for {r['seconds_per_repeat']} s; median of {r['repeats']} repeats. Each decision includes "
        "its Swedish reasons and full rule trace.",
        "",
        "| Variant | Decisions/s (median) | Min – max | µs per decision |",
        "|---|--:|--:|--:|",
    ]
    for label, v in r["variants"].items():
        lines.append(f"| {label} | {_fmt(v['median_per_s'])} | {_fmt(v['min_per_s'])} – {_fmt(v['max_per_s'])} "
                     f"| {_fmt(v['us_per_decision'])} |")
    total = sum(r["moments"].values()) or 1
    moments = ", ".join(f"{k} {v * 100 / total:.0f} %" for k, v in r["moments"].items())
    kinds = ", ".join(f"{k} {v * 100 / total:.0f} %" for k, v in r["decisions_by_unit_kind"].items())
    lines += [
        "",
        f"- When the cases happen: {moments}.",
        f"- Where they go: {kinds}; on average {r['mean_rules_evaluated']} rules are looked at per decision.",
    ]
    v = r["variants"]
    if FRESH in v and SAME in v:
        extra = v[FRESH]["us_per_decision"] - v[SAME]["us_per_decision"]
        lines.append(
            f"- route() reuses its prepared table when called again with an equal configuration, comparing "
            f"the configuration by value; when the configuration is built anew for every call (as by a caller "
            f"that loads it from the database for each case), that comparison costs {_fmt(extra)} µs more per "
            "decision."
        )
    if EQUAL_FIRST in v and SAME in v and v[EQUAL_FIRST]["median_per_s"] < 0.7 * v[SAME]["median_per_s"]:
        lines.append(
            f"- route() keeps the objects of the call that built its table: once an equal configuration made "
            f"of other objects is cached, calls with the caller's own unchanging objects are compared by "
            f"value every time too ({_fmt(v[EQUAL_FIRST]['median_per_s'])} instead of "
            f"{_fmt(v[SAME]['median_per_s'])} decisions/s). Callers that route many cases should hold a "
            "RoutingTable."
        )
    other = r.get("other_cpu_pct_of_machine")
    if other is not None and other > 10:
        lines.append(f"- Other work used {other:.0f} % of the machine during this measurement (the benchmark itself "
                     f"runs on one of its {results['machine']['cores']} cores).")
    return "\n".join(lines).rstrip("\n") + "\n"


# --- the document ------------------------------------------------------------------------------


def split_sections(text: str) -> tuple[str, list[tuple[str, str]]]:
    """(preamble, [(title, text incl. its heading)]) split at level-2 headings outside code fences."""
    preamble: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    fence = False
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
        if not fence and line.startswith("## "):
            sections.append((line[3:].strip(), [line]))
        elif sections:
            sections[-1][1].append(line)
        else:
            preamble.append(line)
    return "".join(preamble), [(t, "".join(body)) for t, body in sections]


def update_docs(path: Path, results: dict) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else PREAMBLE
    preamble, sections = split_sections(text)
    if not preamble.strip():
        preamble = PREAMBLE
    old = dict(sections)
    new: dict[str, str] = {}
    if results.get("intake"):
        new[INTAKE_TITLE] = intake_section(results, old.get(INTAKE_TITLE))
    if results.get("routing"):
        new[ROUTING_TITLE] = routing_section(results)
    out = [preamble.rstrip("\n") + "\n"]
    seen = set()
    for title, body in sections:
        seen.add(title)
        out.append(new.get(title, body).rstrip("\n") + "\n")
    for title in (INTAKE_TITLE, ROUTING_TITLE):
        if title in new and title not in seen:
            out.append(new[title])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out), encoding="utf-8")


def console_summary(results: dict) -> str:
    lines = []
    for db, r in results.get("intake", {}).items():
        if "failed" in r:
            lines.append(f"{DB_NAMES[db]}: FAILED ({r['failed']})")
            continue
        lines.append(f"{DB_NAMES[db]} — {r.get('db_version', '')}, gunicorn {r.get('gunicorn')}")
        for lv in r["levels"]:
            lines.append(f"  c={lv['concurrency']:<3} {lv['throughput_rps']:8.1f} req/s  p50 {lv['p50_ms']:7.1f} ms  "
                         f"p99 {lv['p99_ms']:7.1f} ms  errors {lv['errors']}")
    for s in results.get("sweep", []):
        lv = (s.get("levels") or [None])[0]
        if lv:
            lines.append(f"sweep --workers {s['workers']} --threads {s['threads']}: {lv['throughput_rps']:.1f} req/s, "
                         f"p99 {lv['p99_ms']:.1f} ms, errors {lv['errors']}")
    if results.get("intake"):
        lines.append("Intake aim: " + intake_aim(results)[1].replace("**", ""))
    if results.get("routing"):
        for label, v in results["routing"]["variants"].items():
            lines.append(f"{label}: {v['median_per_s']:,} decisions/s")
        lines.append("Routing aim: " + routing_aim(results)[1].replace("**", ""))
    return "\n".join(lines)
