"""The receipt page and its 404 in a real headless Chromium, as a phone and a desk show
them: no horizontal scroll, the receipt number on one line, our style allowed by the
page's own CSP, and no violation in axe-core's accessibility audit. Screenshots land in
the test's folder. Once, on SQLite: the page is the same on both databases."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser import axe_path, chromium, chromium_path
from tests.stack import Stack
from tests.test_webhooks import _CODE, closed_and_delivered, sms_bodies

NEEDED = chromium_path() is not None and axe_path() is not None
pytestmark = [
    pytest.mark.skipif(
        not NEEDED and os.environ.get("CI") != "true",
        reason="needs Debian's chromium and axe-core (.ci/run installs both)",
    ),
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

LAYOUT = """(() => {
  const receipt = document.querySelector('.receipt');
  const banner = document.querySelector('.banner');
  return {
    scroll: document.documentElement.scrollWidth,
    width: window.innerWidth,
    receiptLines: receipt ? receipt.getClientRects().length : 0,
    banner: banner ? getComputedStyle(banner).backgroundColor : null,
  };
})()"""


async def receipt_url(stack: Stack, fake_twilio: Any) -> str:
    people = await closed_and_delivered(stack)
    phone = people["P-0001"]
    code = _CODE.search(sms_bodies(fake_twilio, phone)[0])
    assert code is not None
    twiml = await (await stack.sms(phone, code.group(1), "SM" + "9" * 32)).text()
    receipt = re.search(r"TS-[0-9A-Z-]{14}", twiml)
    assert receipt is not None
    return str(stack.client.make_url(f"/r/{receipt.group(0)}"))


async def test_the_receipt_page_fits_a_phone_and_a_desk_and_passes_axe(
    stack: Stack, fake_twilio: Any, tmp_path: Path
) -> None:
    url = await receipt_url(stack, fake_twilio)
    axe = axe_path()
    assert axe is not None
    async with chromium() as page:
        for width in (1200, 390):
            await page.open(url, width)
            layout = await page.evaluate(LAYOUT)
            await page.screenshot(tmp_path / f"receipt-{width}.png")
            assert layout["scroll"] <= layout["width"], layout
            assert layout["receiptLines"] == 1, layout
            assert layout["banner"] not in (None, "rgba(0, 0, 0, 0)"), layout  # style ran
            assert await page.axe_violations(axe) == []
        await page.open(str(stack.client.make_url("/r/TS-0000-0000-0000")) + "?lang=sv", 390)
        assert await page.evaluate("document.documentElement.lang") == "sv"
        assert await page.axe_violations(axe) == []
    assert (tmp_path / "receipt-390.png").stat().st_size > 1000
