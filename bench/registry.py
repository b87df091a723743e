"""Benchmark: the registry under concurrent load on loopback. The server runs `lendguard serve` in
its own process (SQLite, one worker); this process is the client. For the dashboard (signed-in
regulator, 20 platforms), the public certificate lookup and the public complaint POST (encrypts
and masks the PI): requests/s, p50 and p99 latency, and the ratio to a bare FastAPI endpoint on
the same server (/api/v1/health: no database, no auth), the framework's ceiling.

    .venv/bin/python bench/registry.py [--seconds 5] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "src"), str(REPO)]

import httpx  # noqa: E402
from tests.fixtures.registry_reports import auditor_public_key, signed_report  # noqa: E402

from lendguard.protect import generate_keyring  # noqa: E402
from lendguard.registry.auth import Principal, Role, add_user  # noqa: E402
from lendguard.registry.db import make_engine, session_factory, transaction, upgrade  # noqa: E402
from lendguard.registry.inspections import upload  # noqa: E402
from lendguard.registry.platforms import add_platform  # noqa: E402
from lendguard.registry.signers import add_signer  # noqa: E402
from lendguard.reports.inspection import generate_signing_key  # noqa: E402
from lendguard.rulebase import load_rulebase  # noqa: E402

PLATFORM = "快借钱包（示例）网络小额贷款有限公司"
USCC = "91110000802100433B"
# valid codes for the other platforms: 18 characters, check character computed by python-stdnum
OTHERS = 19


def _codes(count: int) -> list[str]:
    from stdnum.cn import uscc

    codes = []
    for n in range(count):
        body = f"9144030{n:010d}"
        codes.append(body + uscc.calc_check_digit(body))
    return codes


def seed(folder: Path) -> tuple[str, str, str]:
    """(database URL, regulator token, certificate number)."""
    url = f"sqlite:///{folder / 'registry.db'}"
    engine = make_engine(url)
    upgrade(engine)
    cli = Principal("bench", Role.regulator)
    report = signed_report(folder / "report", load_rulebase(), PLATFORM)
    with transaction(session_factory(engine)) as session:
        platform = add_platform(session, cli, PLATFORM, USCC, ["com.kuaijie.loan"], ["kuaijie-loan.example.cn"])
        for n, code in enumerate(_codes(OTHERS)):
            add_platform(session, cli, f"示例平台{n:02d}有限公司", code, [], [])
        _, token = add_user(session, "bench", Role.regulator)
        add_signer(session, cli, "bench auditor", auditor_public_key())
        auditor = Principal("bench-auditor", Role.auditor)
        upload(session, auditor, platform.id, report.report, report.evidence)
    with transaction(session_factory(engine)) as session:
        from sqlalchemy import select

        from lendguard.registry.models import Certificate

        number = session.scalars(select(Certificate.number)).one()
    engine.dispose()
    return url, token, number


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def load(
    base: str, method: str, path: str, seconds: float, concurrency: int, **request: object
) -> tuple[int, list[float], int]:
    """(responses, latencies in ms, errors) for `seconds` of `concurrency` parallel clients."""
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                started = time.perf_counter()
                response = await client.request(method, path, **request)  # type: ignore[arg-type]
                latencies.append((time.perf_counter() - started) * 1000)
                errors += response.status_code >= 400

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(latencies), latencies, errors


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lendguard-bench-") as folder:
        base_folder = Path(folder)
        url, token, number = seed(base_folder)
        key = base_folder / "registry.key"
        generate_keyring(key)
        signing = base_folder / "registry-signing.pem"
        generate_signing_key(signing)
        port = free_port()
        env = {
            **os.environ,
            "LENDGUARD_DATABASE_URL": url,
            "LENDGUARD_REGISTRY_KEY_FILE": str(key),
            "LENDGUARD_REGISTRY_SIGNING_KEY": str(signing),
            "LENDGUARD_PUBLIC_RATE": "100000000",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "lendguard", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the registry did not start")
                time.sleep(0.2)
            complaint = {"platform": PLATFORM, "text": "催收员给我的同事 13812345678 打电话", "phone": "13812345678"}
            scenarios = [
                ("bare FastAPI endpoint (/api/v1/health)", "GET", "/api/v1/health", {}),
                (
                    "dashboard (regulator, 20 platforms)",
                    "GET",
                    "/dashboard",
                    {"headers": {"Cookie": f"lg_session={token}"}},
                ),
                ("certificate lookup (API)", "GET", f"/api/v1/certificates/{number}", {}),
                ("complaint POST (encrypt + mask)", "POST", "/api/v1/complaints", {"json": complaint}),
            ]
            print(
                f"registry on loopback: {args.concurrency} concurrent clients, {args.seconds:g} s per scenario, "
                f"SQLite, one server process, {os.cpu_count()} CPUs"
            )
            print(f"{'scenario':42} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'vs bare':>8}")
            ceiling = 0.0
            for name, method, path, request in scenarios:
                asyncio.run(load(base, method, path, 0.5, args.concurrency, **request))  # warm up
                count, latencies, errors = asyncio.run(
                    load(base, method, path, args.seconds, args.concurrency, **request)
                )
                rate = count / args.seconds
                ceiling = ceiling or rate
                print(
                    f"{name:42} {rate:8.0f} {percentile(latencies, 0.5):8.1f} {percentile(latencies, 0.99):8.1f} "
                    f"{errors:7d} {rate / ceiling:8.2f}"
                )
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
