"""朗读 in a real browser: it reads the main content only (no masked numbers, no buttons or other controls), can be
paused, resumed and stopped with its state on screen, changes speed, and says so when there is no Chinese voice.

Headless Chromium has no voices: the recorder from test_care_mode stands in for speechSynthesis."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.e2e.test_care_mode import SPEECH_RECORDER
from xiaobao.core import services

pytestmark = pytest.mark.e2e


def spoken_since(page, n: int) -> list[dict]:
    return page.evaluate("n => window.__spoken.slice(n)", n)


def test_read_aloud_reads_content_only_with_controls_and_a_clear_no_voice_message(new_page, cast):
    services.notify(
        recipients=[cast.officer_a],
        kind="complaints.assigned",
        title="客户来电 13812345678 投诉理赔慢",
        body="请今日回电",
    )
    page = new_page(init_script=SPEECH_RECORDER)
    page.goto("/accounts/login/", timeout=60_000)  # the first page of a run may be slow (cold server)
    log_in(page, cast.officer_a.username)
    page.goto("/core/notifications/")
    expect(page.locator("#main-content")).to_contain_text("138****5678")
    state = page.get_by_test_id("read-state")
    bar = page.get_by_test_id("read-aloud-bar")

    page.get_by_test_id("read-aloud").click()
    page.wait_for_function("() => window.__spoken.length > 0")
    said = spoken_since(page, 0)
    text = "".join(u["text"] for u in said)
    assert "客户来电" in text and "投诉理赔慢" in text and "请今日回电" in text
    assert "*" not in text and "138" not in text and "5678" not in text  # the masked number is skipped whole
    for control in ("全部标为已读", "已读", "朗读", "语速", "菜单"):
        assert control not in text, control  # buttons, the speed control and the toolbar are not read
    assert {u["lang"] for u in said} == {"zh-CN"} and {u["voice"] for u in said} == {"zh-CN"}
    expect(bar).to_have_attribute("data-read-state", "speaking")
    expect(state).to_have_text("正在朗读")

    page.get_by_test_id("read-aloud").click()  # pause
    expect(bar).to_have_attribute("data-read-state", "paused")
    expect(state).to_have_text("已暂停")
    expect(page.get_by_test_id("read-aloud")).to_contain_text("继续")
    page.get_by_test_id("read-aloud").click()  # resume
    expect(bar).to_have_attribute("data-read-state", "speaking")
    assert page.evaluate("window.__speechCalls.pause") == 1 and page.evaluate("window.__speechCalls.resume") == 1

    before = page.evaluate("window.__spoken.length")
    page.get_by_test_id("read-rate").select_option("1.5")  # a new speed applies at once
    page.wait_for_function("n => window.__spoken.length > n", arg=before)
    assert {u["rate"] for u in spoken_since(page, before)} == {1.5}

    page.get_by_test_id("read-stop").click()
    expect(bar).to_have_attribute("data-read-state", "stopped")
    expect(state).to_have_text("已停止")
    expect(page.get_by_test_id("read-stop")).to_be_hidden()

    # no Chinese voice: a plain message, not silence, and nothing is sent to a voice that would garble it
    page.evaluate("window.__noVoices = true")
    before = page.evaluate("window.__spoken.length")
    page.get_by_test_id("read-aloud").click()
    expect(bar).to_have_attribute("data-read-state", "no-voice", timeout=5000)
    expect(state).to_contain_text("没有中文语音")
    expect(state).to_be_visible()
    assert page.evaluate("window.__spoken.length") == before
