"""Care mode (适老化关怀版) in a real browser: switched per user, remembered, and as large, plain and loud as promised.

The promise (acceptance point and xiaobao.css): text >= 20px with line spacing >= 1.3, contrast >= 4.5:1,
every module in the navigation, 60px click targets, and a read-aloud button on every page that speaks the main
content in Chinese. Headless Chromium has no voices, so speechSynthesis is replaced by a recorder.
"""

from __future__ import annotations

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from tests.e2e.conftest import log_in, log_out, screenshot
from xiaobao.web.navigation import items_for

pytestmark = pytest.mark.e2e

MIN_FONT_PX = 20
MIN_LINE_HEIGHT = 1.3
MIN_CONTRAST = 4.5
MIN_TARGET_PX = 60

# Records each utterance instead of speaking it (headless Chromium has no voices): it offers a Chinese and an
# English voice, or none at all when the page sets window.__noVoices before reading; it counts pause, resume
# and cancel calls so the controls can be checked.
SPEECH_RECORDER = """
(() => {
  const spoken = [];
  const calls = { pause: 0, resume: 0, cancel: 0 };
  const voices = [{ name: "Tingting", lang: "zh-CN" }, { name: "Samantha", lang: "en-US" }];
  const synth = {
    speaking: false, pending: false, paused: false, onvoiceschanged: null,
    getVoices() { return window.__noVoices ? [] : voices; },
    speak(utterance) { spoken.push({ text: utterance.text, lang: utterance.lang, rate: utterance.rate,
                                     voice: utterance.voice && utterance.voice.lang }); },
    cancel() { calls.cancel++; }, pause() { calls.pause++; }, resume() { calls.resume++; },
    addEventListener() {}, removeEventListener() {}, dispatchEvent() { return true; },
  };
  // the real utterance accepts only a real SpeechSynthesisVoice: a plain one takes the stand-in voices
  window.SpeechSynthesisUtterance = class {
    constructor(text) { this.text = text; this.lang = ""; this.rate = 1; this.voice = null; }
  };
  Object.defineProperty(window, "speechSynthesis", { configurable: true, get: () => synth });
  Object.defineProperty(window, "__spoken", { get: () => spoken });
  Object.defineProperty(window, "__speechCalls", { get: () => calls });
})();
"""

# Every visible element that carries text of its own, with its type metrics and colours. The background
# is the first opaque one found walking up the tree (the pages use no background images under text).
TEXT_STYLES = """
() => {
  const rgba = (value) => (value.match(/[\\d.]+/g) || []).map(Number);
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const [r, g, b, a = 1] = rgba(getComputedStyle(node).backgroundColor);
      if (a > 0) return [r, g, b, a];
    }
    return [255, 255, 255, 1];
  };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const ownText = [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join("").trim();
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!ownText || box.width === 0 || box.height === 0 || box.right <= 0 || style.visibility !== "visible") continue;
    out.push({
      what: `${el.tagName.toLowerCase()}.${el.className} "${ownText.slice(0, 20)}"`,
      fontSize: parseFloat(style.fontSize),
      lineHeight: style.lineHeight === "normal" ? null : parseFloat(style.lineHeight),
      color: rgba(style.color),
      background: background(el),
    });
  }
  return out;
}
"""

# Controls that stand on their own (inline links inside sentences and table cells are exempt, as in WCAG 2.5.5).
TARGETS = """
() => [...document.querySelectorAll(
  "button, .btn, input:not([type=hidden]), select, textarea, .topbar a, .sidenav a, .tabs a, .tile"
)].filter((el) => el.getBoundingClientRect().width > 0 && el.getBoundingClientRect().right > 0).map((el) => ({
  what: `${el.tagName.toLowerCase()}.${el.className} "${(el.innerText || el.name || "").trim().slice(0, 20)}"`,
  height: el.getBoundingClientRect().height,
}))
"""


def relative_luminance(rgb) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground, background) -> float:
    """WCAG 2.x contrast ratio; a translucent foreground is first blended over the background."""
    alpha = foreground[3] if len(foreground) > 3 else 1
    blended = [alpha * f + (1 - alpha) * b for f, b in zip(foreground[:3], background[:3], strict=True)]
    lighter, darker = sorted((relative_luminance(blended), relative_luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def font_px(page, selector: str) -> float:
    return page.eval_on_selector(selector, "el => parseFloat(getComputedStyle(el).fontSize)")


def nav_labels(page) -> list[str]:
    # The icon is its own span; the label is the rest of the link's text.
    return [text.split(" ", 1)[-1].strip() for text in page.locator(".sidenav a").all_inner_texts()]


def labels(items) -> list[str]:
    with translation.override("zh-hans"):
        return [str(item.label) for item in items]


def switch_care_mode(page) -> None:
    with page.expect_navigation():
        page.get_by_test_id("care-toggle").click()


def assert_care_layout(page) -> None:
    """The page on screen keeps every size and contrast promise of care mode."""
    small, cramped, faint = [], [], []
    for text in page.evaluate(TEXT_STYLES):
        if text["fontSize"] < MIN_FONT_PX:
            small.append(f"{text['what']}: {text['fontSize']}px")
        if text["lineHeight"] is None or text["lineHeight"] < MIN_LINE_HEIGHT * text["fontSize"]:
            cramped.append(f"{text['what']}: {text['lineHeight']} for {text['fontSize']}px")
        ratio = contrast_ratio(text["color"], text["background"])
        if ratio < MIN_CONTRAST:
            faint.append(f"{text['what']}: {ratio:.2f}:1")
    small_targets = [f"{t['what']}: {t['height']:.0f}px" for t in page.evaluate(TARGETS) if t["height"] < MIN_TARGET_PX]
    where = page.url
    assert not small, f"text under {MIN_FONT_PX}px on {where}: {small}"
    assert not cramped, f"line height under {MIN_LINE_HEIGHT}x on {where}: {cramped}"
    assert not faint, f"contrast under {MIN_CONTRAST}:1 on {where}: {faint}"
    assert not small_targets, f"click targets under {MIN_TARGET_PX}px on {where}: {small_targets}"


def read_aloud(page) -> dict:
    """Click the page's read-aloud button, stop it again, and return what it asked the speech engine to say
    (the text is queued in sentence-sized utterances: joined here)."""
    before = page.evaluate("window.__spoken.length")
    page.get_by_test_id("read-aloud").click()
    page.wait_for_function("n => window.__spoken.length > n", arg=before)
    said = page.evaluate("n => window.__spoken.slice(n)", before)
    page.get_by_test_id("read-stop").click()
    return {"text": "".join(u["text"] for u in said), "lang": said[0]["lang"], "rates": {u["rate"] for u in said}}


def test_care_mode_is_switched_on_remembered_and_switched_off(new_page, cast):
    page = new_page(init_script=SPEECH_RECORDER)
    log_in(page, cast.hq_admin.username)
    html = page.locator("html")
    expect(html).not_to_have_class(re.compile(r"\bcare-mode\b"))
    assert font_px(page, "#main-content p") < MIN_FONT_PX
    assert set(nav_labels(page)) == set(labels(items_for(cast.hq_admin, care_mode=False)))
    screenshot(page, "normal-mode-home")

    switch_care_mode(page)

    expect(html).to_have_class(re.compile(r"\bcare-mode\b"))
    toggle = page.get_by_test_id("care-toggle")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert font_px(page, "body") >= MIN_FONT_PX
    assert font_px(page, "#main-content p") >= MIN_FONT_PX
    line_height = page.eval_on_selector("#main-content p", "el => parseFloat(getComputedStyle(el).lineHeight)")
    assert line_height >= MIN_LINE_HEIGHT * font_px(page, "#main-content p")
    body = page.evaluate(
        "() => { const s = getComputedStyle(document.body); return [s.color, s.backgroundColor]"
        ".map(c => c.match(/[\\d.]+/g).map(Number)); }"
    )
    assert contrast_ratio(*body) >= MIN_CONTRAST
    assert toggle.bounding_box()["height"] >= MIN_TARGET_PX
    for link in page.locator(".sidenav a").all():
        assert link.bounding_box()["height"] >= MIN_TARGET_PX
    # larger, never fewer: every module the roles open stays in the menu
    assert nav_labels(page) == labels(items_for(cast.hq_admin))
    assert_care_layout(page)
    expect(page.get_by_test_id("read-aloud")).to_be_visible()
    heading = page.locator("main h1").inner_text().strip()
    first_paragraph = page.locator("#main-content p").first.inner_text().strip()
    utterance = read_aloud(page)
    assert heading and heading in utterance["text"]
    assert first_paragraph in utterance["text"]
    assert utterance["lang"] == "zh-CN"
    screenshot(page, "care-mode-home")

    # Every page the navigation leads to keeps the promises, the button included.
    for url in [link.get_attribute("href") for link in page.locator(".sidenav a").all()]:
        page.goto(url)
        expect(html).to_have_class(re.compile(r"\bcare-mode\b"))
        assert_care_layout(page)
        assert page.locator("main h1").inner_text().strip() in read_aloud(page)["text"]

    page.reload()
    expect(html).to_have_class(re.compile(r"\bcare-mode\b"))
    log_out(page)
    log_in(page, cast.hq_admin.username)
    expect(html).to_have_class(re.compile(r"\bcare-mode\b"))

    # Per user: someone else signing in on another browser gets the normal pages.
    other = new_page()
    log_in(other, cast.officer_a.username)
    expect(other.locator("html")).not_to_have_class(re.compile(r"\bcare-mode\b"))

    switch_care_mode(page)

    expect(html).not_to_have_class(re.compile(r"\bcare-mode\b"))
    expect(page.get_by_test_id("care-toggle")).to_have_attribute("aria-pressed", "false")
    assert font_px(page, "#main-content p") < MIN_FONT_PX
    assert set(nav_labels(page)) == set(labels(items_for(cast.hq_admin, care_mode=False)))
    page.reload()
    expect(html).not_to_have_class(re.compile(r"\bcare-mode\b"))


def test_care_mode_styles_keep_size_and_contrast_for_every_component(new_page, cast):
    # Badges, messages and tabs in all their states rarely appear together on a real page: show one of each.
    page = new_page()
    log_in(page, cast.officer_a.username)
    switch_care_mode(page)
    page.eval_on_selector(
        "#main-content",
        """el => el.insertAdjacentHTML("beforeend", `
          <section class="card" data-testid="samples">
            <p>正文 <a href="#">链接</a> <span class="muted">说明</span> <span class="errors">错误</span></p>
            <p><span class="badge">普通</span> <span class="badge ok">正常</span> <span class="badge warn">预警</span>
               <span class="badge danger">逾期</span> <span class="badge overdue">超时</span></p>
            <ul class="messages"><li class="message">提示</li><li class="message success">成功</li>
              <li class="message error">失败</li></ul>
            <nav class="tabs"><a href="#" class="active">当前 <span class="badge">3</span></a><a href="#">其他</a></nav>
            <table class="list"><thead><tr><th>表头</th></tr></thead><tbody><tr><td>单元格</td></tr></tbody></table>
            <form class="form"><label for="sample">字段</label><input id="sample" value="输入"><select><option>选项</option></select>
              <button type="button" class="btn btn-primary">主按钮</button><button type="button" class="btn btn-danger">危险</button></form>
          </section>`)""",
    )
    expect(page.get_by_test_id("samples")).to_be_visible()
    assert_care_layout(page)


def test_every_page_has_a_read_aloud_button_speaking_chinese(new_page, cast):
    page = new_page(init_script=SPEECH_RECORDER)
    page.goto("/accounts/login/")
    utterance = read_aloud(page)
    assert page.locator("main h1").inner_text().strip() in utterance["text"]
    assert utterance["lang"] == "zh-CN"

    log_in(page, cast.hq_admin.username)
    for url in [link.get_attribute("href") for link in page.locator(".sidenav a").all()]:
        page.goto(url)
        heading = page.locator("main h1").inner_text().strip()
        utterance = read_aloud(page)
        assert heading and heading in utterance["text"], url
        assert utterance["lang"] == "zh-CN", url
