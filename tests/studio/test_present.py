"""Present mode and the gallery in a real headless Chromium, pressing real keys.

Every boundary a test expects is read back from the built manifest (the step times the render
measured); the frame tolerance from the test quality's frame rate.
"""

from __future__ import annotations

import functools
import json
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from scenes.theme import THEMES
from studio.gallery import write_gallery
from studio.manifest import ClipEntry, Manifest, read_manifest
from studio.presets import QUALITIES
from tests.studio.browser import Browser
from tests.studio.conftest import CODE_LESSON, copy_build
from tests.studio.test_gallery import HOSTILE_TITLES, LESSON_TITLE, _QuietHandler

FRAME = 1 / QUALITIES["test"].fps

# Resolves once the page has finished a move newer than `after`: paused at a step's end.
WAIT = """new Promise((resolve, reject) => {
  const b = document.body, v = document.getElementById("video");
  const limit = Date.now() + 60000;
  const tick = () => {
    if (b.dataset.state === "paused" && Number(b.dataset.move) > %d) {
      const played = [];
      for (let i = 0; i < v.played.length; i++) played.push([v.played.start(i), v.played.end(i)]);
      const items = [...document.querySelectorAll("#steps li")];
      resolve({clip: b.dataset.clip, step: Number(b.dataset.step), move: Number(b.dataset.move),
               time: v.currentTime, played, title: document.getElementById("title").textContent,
               items: items.map(li => li.textContent),
               current: items.findIndex(li => li.classList.contains("current"))});
    } else if (Date.now() > limit) reject(new Error("no pause: " + JSON.stringify(b.dataset)));
    else setTimeout(tick, 20);
  };
  tick();
})"""

# Step playback at 8x: the page's logic and boundaries are what is tested, not the clock.
FAST = ("(() => { const v = document.getElementById('video');"
        " v.defaultPlaybackRate = 8; v.playbackRate = 8; })()")


@pytest.fixture()
def media(built: Path, tmp_path: Path) -> Path:
    return copy_build(built, tmp_path)


def _steps(entry: ClipEntry) -> list[tuple[float, float, str]]:
    assert entry.steps, f"{entry.id}: the manifest has no steps"
    return list(entry.steps)


def _rgb(colour: str) -> str:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_keys_move_exactly_one_step_and_land_on_its_boundary(media: Path) -> None:
    manifest = read_manifest(media)
    alpha, beta = (manifest.clips[i] for i in ("alpha", "beta"))
    a_steps, b_steps = _steps(alpha), _steps(beta)
    with Browser() as browser:
        browser.open((media / "present.html").as_uri())
        state = browser.evaluate(WAIT % 0)
        assert (state["clip"], state["step"], state["time"]) == ("alpha", -1, 0)
        assert state["title"] == alpha.title  # shown as written, tags and all
        assert state["items"] == [t for _, _, t in a_steps]
        browser.evaluate(FAST)

        def press(key: str) -> dict[str, object]:
            nonlocal state
            browser.press(key)
            state = browser.evaluate(WAIT % state["move"])
            return state

        def at(clip: ClipEntry, step: int) -> None:
            steps = _steps(clip)
            assert (state["clip"], state["step"], state["current"]) == (clip.id, step, step)
            if step < 0:
                assert state["time"] == pytest.approx(0, abs=FRAME)
                return
            start, end, _ = steps[step]
            assert state["time"] == pytest.approx(end, abs=FRAME), (clip.id, step, state)
            # It played the step (within a frame of each end), not just jumped to its end.
            assert any(s <= start + FRAME and e >= end - FRAME for s, e in state["played"]), state

        # Forward one step per key, through every step of the first clip, with each key
        # that means "next": arrow, space and a clicker's PageDown.
        keys = ["ArrowRight", " ", *["PageDown"] * len(a_steps)]
        for n in range(len(a_steps)):
            press(keys[n])
            at(alpha, n)
        press("ArrowLeft")  # replays the previous step
        at(alpha, len(a_steps) - 2)
        press("ArrowRight")
        at(alpha, len(a_steps) - 1)
        press("PageDown")  # past the last step: the next clip's first step
        at(beta, 0)
        assert state["items"] == [t for _, _, t in b_steps]
        press("PageUp")  # before the first step: the clip's first frame
        at(beta, -1)
        press("PageUp")  # and once more: the previous clip's last step, replayed
        at(alpha, len(a_steps) - 1)
        press("ArrowDown")
        at(beta, -1)
        press("ArrowUp")
        at(alpha, -1)
        press("End")
        at(beta, -1)
        press("Home")
        at(alpha, -1)
        # The step list is clickable: a click plays that step.
        browser.evaluate("document.querySelectorAll('#steps button')[1].click()")
        state = browser.evaluate(WAIT % state["move"])
        at(alpha, 1)
        # f: full screen and back (a real key press is the user gesture the browser asks for).
        full = ("new Promise(r => setTimeout(() => r(document.fullscreenElement &&"
                " document.fullscreenElement.tagName), 300))")
        browser.press("f")
        assert browser.evaluate(full) == "HTML"
        browser.press("f")
        assert browser.evaluate(full) is None
        assert browser.console_errors() == []


def test_chapters_track_loads_with_one_cue_per_step(media: Path) -> None:
    manifest = read_manifest(media)
    handler = functools.partial(_QuietHandler, directory=str(media))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with Browser() as browser:
            for entry in manifest.clips.values():
                # A new query each time: a new #fragment alone would not load the page.
                browser.open(f"http://127.0.0.1:{server.server_address[1]}/present.html"
                             f"?{entry.id}#{entry.id}")
                cues = browser.evaluate("""new Promise((resolve, reject) => {
                  const v = document.getElementById("video");
                  const el = v.querySelector("track[kind=chapters]");
                  el.track.mode = "hidden";
                  const done = () => resolve([...el.track.cues].map(
                      c => [c.startTime, c.endTime, c.text]));
                  if (el.readyState === 2) done();
                  el.addEventListener("load", done);
                  el.addEventListener("error", () => reject(new Error("track error")));
                })""")
                assert [tuple(c) for c in cues] == [
                    (pytest.approx(s, abs=1e-3), pytest.approx(e, abs=1e-3), t)
                    for s, e, t in _steps(entry)]
    finally:
        server.shutdown()
        server.server_close()


def test_pages_follow_the_builds_theme(tmp_path: Path, fake: None) -> None:
    from studio.build import BuildOptions, build

    lesson = tmp_path / "tiny.toml"
    lesson.write_text(CODE_LESSON)
    seen = {}
    with Browser() as browser:
        for theme in ("light", "dark"):
            media = tmp_path / theme
            assert build(BuildOptions(lesson=str(lesson), quality="test", theme=theme,
                                      media=media)).ok
            for page in ("index.html", "present.html"):
                browser.open((media / page).as_uri())
                seen[theme, page] = browser.evaluate(
                    "(() => { const s = getComputedStyle(document.body);"
                    " return [s.backgroundColor, s.color]; })()")
    for (theme, page), colours in seen.items():
        palette = THEMES[theme]
        assert colours == [_rgb(palette.background), _rgb(palette.text)], (theme, page)


def test_gallery_is_a_grid_of_posters_that_open_a_player_with_steps(media: Path) -> None:
    manifest = read_manifest(media)
    with Browser() as browser:
        browser.open((media / "index.html").as_uri())
        cards = browser.evaluate("""[...document.querySelectorAll("figure")].map(f => ({
            clip: f.dataset.clip, poster: f.querySelector("button.open img").getAttribute("src"),
            title: f.querySelector("h2").textContent, meta: f.querySelector(".meta").textContent,
            open: f.querySelector("dialog").open,
            columns: getComputedStyle(f.parentElement).gridTemplateColumns.split(" ").length}))""")
        assert [c["clip"] for c in cards] == list(manifest.clips)
        for card in cards:
            entry = manifest.clips[card["clip"]]
            assert card["poster"] == entry.files["poster"]
            assert card["title"] == entry.title
            minutes, seconds = divmod(int(entry.duration_s), 60)
            assert card["meta"] == f"{minutes}:{seconds:02d} · {len(entry.steps)} steps"
            assert not card["open"]
            assert card["columns"] > 1  # a grid, not one column
        opened = browser.evaluate("""(() => {
            const f = document.querySelector("figure[data-clip=beta]");
            f.querySelector("button.open").click();
            const d = f.querySelector("dialog");
            return {open: d.open, steps: [...d.querySelectorAll("ol.steps li")].map(
                li => [Number(li.dataset.start), Number(li.dataset.end), li.textContent])};
        })()""")
        assert opened["open"]
        assert [tuple(s) for s in opened["steps"]] == [tuple(s) for s in _steps(
            manifest.clips["beta"])]
        assert browser.console_errors() == []


def test_present_page_keeps_every_text_as_text(tmp_path: Path) -> None:
    files = {k: f"c{n}/0000000000000000-00000000/c{n}{s}" for n in range(1)
             for k, s in (("mp4", ".mp4"), ("webm", ".webm"), ("poster", ".png"),
                          ("vtt", ".vtt"), ("srt", ".srt"), ("trace", ".json"),
                          ("chapters", "-chapters.vtt"))}
    steps = tuple((float(n), float(n + 1), t) for n, t in enumerate(HOSTILE_TITLES))
    entry = ClipEntry(id="c0", title=HOSTILE_TITLES[0], hash="0" * 64,
                      duration_s=float(len(steps)), width=256, height=144, files=files,
                      steps=steps)
    write_gallery(tmp_path, Manifest(clips={"c0": entry}), ["c0"], LESSON_TITLE)
    page = (tmp_path / "present.html").read_text()
    block = page.split('id="torchreel-clips">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block
    assert json.loads(block)[0]["steps"][1]["title"] == HOSTILE_TITLES[1]
    with Browser() as browser:
        for page_name in ("present.html", "index.html"):
            browser.open((tmp_path / page_name).as_uri())
            result = browser.evaluate("""new Promise(resolve => setTimeout(() => resolve({
                pwned: window.__pwned || 0, scripts: document.scripts.length,
                title: document.title,
                steps: [...document.querySelectorAll("#steps li, ol.steps li")].map(
                    li => li.textContent),
                bad: [...document.querySelectorAll("*")].flatMap(el => [...el.attributes]
                    .filter(a => a.name.startsWith("on") || /^\\s*javascript:/i.test(a.value))
                    .map(a => a.name)),
            }), 300))""")
            assert result["pwned"] == 0, page_name
            assert result["bad"] == [], page_name
            assert result["steps"] == HOSTILE_TITLES, page_name
            assert result["scripts"] == (2 if page_name == "present.html" else 1)
            assert LESSON_TITLE in result["title"]



@pytest.mark.parametrize("steps, problem", [
    ([{"start": 0, "end": 2, "title": "a"}, {"start": 1, "end": 3, "title": "b"}], "in order"),
    ([{"start": 0, "end": 99, "title": "a"}], "within the video"),
    ([{"start": 0, "end": 1, "title": "two\nlines"}], "plain text"),
    ([{"start": 0, "end": 1, "title": "x" * 401}], "plain text"),
    ([{"start": True, "end": 1, "title": "a"}], "in order"),
    ({"start": 0}, "a list"),
], ids=["overlap", "past-end", "newline", "long", "bool", "not-list"])
def test_manifest_steps_are_checked_on_read(tmp_path: Path, steps: object,
                                            problem: str) -> None:
    files = {k: f"c/0123456789abcdef-01234567/c{s}" for k, s in (
        ("mp4", ".mp4"), ("webm", ".webm"), ("poster", ".png"), ("vtt", ".vtt"),
        ("srt", ".srt"), ("trace", ".json"), ("chapters", "-chapters.vtt"))}
    good = ClipEntry(id="c", title="C", hash="0123456789abcdef" + "0" * 48, duration_s=3.0,
                     width=2, height=2, files=files, steps=((0.0, 1.5, "a"), (1.5, 3.0, "b")))
    (tmp_path / "manifest.json").write_text(json.dumps({"clips": [good.to_dict()]}))
    assert read_manifest(tmp_path).clips == {"c": good}
    (tmp_path / "manifest.json").write_text(json.dumps(
        {"clips": [{**good.to_dict(), "steps": steps}]}))
    read = read_manifest(tmp_path)
    assert read.clips == {}
    assert problem in read.warnings[0], read.warnings
