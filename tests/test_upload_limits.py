"""Uploads are bounded whatever their sender claims: a small XLSX of 150 million empty
rows (a zip bomb), a list of blank lines, a download that runs past the cap."""

from __future__ import annotations

import asyncio
import functools
import io
import resource
import time
import zipfile
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.core.errors import InputError
from handlers.telegram_files import download_capped
from tests.stack import Stack
from tests.test_attendance import COORDINATOR, _project, upload

_XML = '<?xml version="1.0"?>'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@functools.cache
def empty_rows_bomb(rows: int = 150_000_000) -> bytes:
    """A well-formed XLSX whose one sheet holds ``rows`` empty ``<row/>``s: 1.3 MB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'{_XML}<Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
            f'Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets>'
            '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'{_XML}<Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
            f'Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'{_XML}<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
            chunk = b"<row/>" * 1_000_000
            for _ in range(rows // 1_000_000):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def test_an_xlsx_of_150_million_empty_rows_is_refused_at_once(
    stack: Stack, fake_telegram: Any
) -> None:
    await _project(stack.core)
    bomb = empty_rows_bomb()
    assert 1_000_000 < len(bomb) < 2 * 1024 * 1024  # under the upload cap, as it arrives
    peak_before = peak_rss_mb()
    health: list[float] = []
    done = asyncio.Event()

    async def watch_health() -> None:
        while not done.is_set():
            started = time.perf_counter()
            response = await stack.client.get("/healthz")
            assert response.status == 200
            health.append(time.perf_counter() - started)
            await asyncio.sleep(0.02)

    watcher = asyncio.create_task(watch_health())
    started = time.perf_counter()
    answer = await upload(stack, fake_telegram, COORDINATOR, "närvaro.xlsx", bomb)
    took = time.perf_counter() - started
    done.set()
    await watcher
    grew = peak_rss_mb() - peak_before
    print(f"zip bomb: refused in {took:.2f} s, peak RSS +{grew:.0f} MB, healthz {len(health)}x")
    assert "unpacks to 858.3 MB" in answer and "at most 32 MB" in answer, answer
    assert took < 2.0
    assert grew < 100
    assert health and max(health) < 1.0


async def test_blank_lines_count_toward_the_line_limit(stack: Stack, fake_telegram: Any) -> None:
    await _project(stack.core)
    content = "person;activity;date;hours\n" + ";;;\n" * 10_001 + "P-0001;A-001;2026-10-14;7\n"
    answer = await upload(stack, fake_telegram, COORDINATOR, "tom.csv", content.encode())
    assert "at most 10000 lines" in answer or "at most 10 000 lines" in answer, answer


@pytest.fixture
async def streaming_server() -> Any:
    """Serves 5 MB in chunks with no Content-Length, as a lying server might."""

    async def endless(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        await response.prepare(request)
        for _ in range(80):
            await response.write(b"x" * 65536)
        return response

    app = web.Application()
    app.router.add_get("/file", endless)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield str(server.make_url("/file"))
    await server.close()


async def test_a_download_without_a_declared_size_stops_at_the_cap(streaming_server: str) -> None:
    with pytest.raises(InputError) as refused:
        await download_capped(streaming_server, None)
    assert "larger than 2 MB" in refused.value.message.text("en")
    with pytest.raises(InputError) as declared:
        await download_capped(streaming_server, 3 * 1024 * 1024)
    assert "3.0 MB" in declared.value.message.text("en")
