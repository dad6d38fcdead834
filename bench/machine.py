"""What machine the figures come from, and CPU accounting from /proc (Linux)."""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from pathlib import Path

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def ram_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def postgres_version(pg_bin: str = "/usr/lib/postgresql/15/bin/postgres") -> str | None:
    try:
        out = subprocess.run([pg_bin, "--version"], capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip().split()[-1]


def package_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def describe() -> dict:
    ram = ram_gib()
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "ram_gib": round(ram, 1) if ram else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql_binaries": postgres_version(),
        "django": package_version("django"),
        "gunicorn": package_version("gunicorn"),
        "psycopg": package_version("psycopg"),
    }


# --- CPU accounting ------------------------------------------------------------------------------


def machine_cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in fields]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    total = sum(values[:8])  # guest time is already counted in user
    return total - idle, total


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may contain spaces; it is enclosed in parentheses
    return raw[raw.rindex(")") + 2:].split()


def process_cpu_seconds(pid: int, *, include_reaped_children: bool = False) -> float:
    f = _stat_fields(pid)
    if f is None:
        return 0.0
    # after the command name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
    ticks = int(f[11]) + int(f[12])
    if include_reaped_children:
        ticks += int(f[13]) + int(f[14])
    return ticks / CLK_TCK


def parent_of(pid: int) -> int | None:
    f = _stat_fields(pid)
    return int(f[1]) if f else None


def children_of(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            f = _stat_fields(int(entry.name))
            if f and int(f[1]) == pid:
                out.append(int(entry.name))
    return out


def tree_cpu_seconds(root: int, *, include_reaped_children: bool = False) -> float:
    """CPU seconds of ``root`` and its live children (and, optionally, of children already reaped)."""
    total = process_cpu_seconds(root, include_reaped_children=include_reaped_children)
    for child in children_of(root):
        total += process_cpu_seconds(child)
    return total
