"""Real ``timesign`` processes for the slow tests: started, waited for, killed.

The fake providers run in the test's own event loop, so the processes are started
with asyncio (never ``subprocess.run``), which keeps the fakes answering meanwhile.
Each process gets a clean environment: no ``TIMESIGN_*`` from the caller's shell and a
working directory without a ``.env``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.stack import PUBLIC_URL, SEAL_KEY, SECRET_KEY, TWILIO_SID, TWILIO_TOKEN

TIMESIGN = str(Path(sys.executable).parent / "timesign")


def process_env(database_url: str, twilio_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIMESIGN_")}
    env.update(
        {
            "TIMESIGN_DATABASE_URL": database_url,
            "TIMESIGN_SECRET_KEY": SECRET_KEY,
            "TIMESIGN_SEAL_KEY": SEAL_KEY,
            "TIMESIGN_PUBLIC_URL": PUBLIC_URL,
            "TIMESIGN_TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TIMESIGN_TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TIMESIGN_TWILIO_FROM": "+46700000000",
            "TIMESIGN_TWILIO_API_URL": twilio_url,
            # Being added concurrently: keep any per-sender limit out of the way.
            "TIMESIGN_TWILIO_MESSAGES_PER_SECOND": "100000",
            "TIMESIGN_WORKER_POLL_SECONDS": "0.05",
            "TIMESIGN_LOG_LEVEL": "WARNING",
        }
    )
    env.update(extra)
    return env


@dataclass
class Process:
    proc: asyncio.subprocess.Process
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def kill(self) -> None:
        """SIGKILL: no cleanup, no finally blocks, exactly like the OOM killer."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)

    async def stop(self, within: float = 30) -> int:
        """SIGTERM, as a platform restart sends it; the process finishes its unit and exits."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.proc.wait(), within)

    async def wait(self, within: float = 120) -> int:
        return await asyncio.wait_for(self.proc.wait(), within)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


async def start(args: list[str], env: Mapping[str, str], workdir: Path, name: str) -> Process:
    log = workdir / f"{name}.log"
    with log.open("ab") as out:
        proc = await asyncio.create_subprocess_exec(
            TIMESIGN,
            *args,
            env=dict(env),
            cwd=workdir,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
    return Process(proc, log)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_healthy(process: Process, port: int, within: float = 60) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    async with aiohttp.ClientSession() as http:
        while loop.time() < deadline:
            if process.proc.returncode is not None:
                raise AssertionError(f"serve exited early:\n{process.output()}")
            try:
                async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"serve did not become healthy:\n{process.output()}")
