"""The gallery in a real headless Chromium: every video and captions track loads."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from studio.gallery import gallery_html
from studio.manifest import ClipEntry, Manifest, read_manifest
from tests.studio.conftest import copy_build

CHROMIUM = "/usr/bin/chromium"

# Loaded next to index.html (same origin): opens it in an iframe, loads every source of every
# video on its own, waits for the captions tracks, and writes what it saw into #result.
CHECK_PAGE = """<!DOCTYPE html>
<html><body><pre id="result">pending</pre>
<iframe id="gallery" width="900" height="600"></iframe>
<script>
function once(target, ok, bad, ms) {
  return new Promise(resolve => {
    const timer = setTimeout(() => resolve("timeout"), ms);
    target.addEventListener(ok, () => { clearTimeout(timer); resolve("ok"); }, {once: true});
    target.addEventListener(bad, () => { clearTimeout(timer); resolve("error"); }, {once: true});
  });
}
async function source(src) {
  const video = document.createElement("video");
  video.preload = "metadata";
  video.muted = true;
  const wait = once(video, "loadedmetadata", "error", 20000);
  video.src = src;
  const status = await wait;
  const duration = video.duration;
  // Let the probe go: a paused element keeps its connection open, and Chromium opens at most
  // six per host, so a seventh load would wait for ever.
  video.removeAttribute("src");
  video.load();
  return {src, status, duration};
}
async function check() {
  const frame = document.getElementById("gallery");
  const loaded = once(frame, "load", "error", 20000);
  frame.src = "index.html";
  await loaded;
  const doc = frame.contentDocument;
  const out = [];
  for (const figure of doc.querySelectorAll("figure[data-clip]")) {
    const video = figure.querySelector("video");
    const track = video.querySelector("track");
    // The track is off by default (the frames show their captions); "hidden" loads its cues.
    track.track.mode = "hidden";
    const trackState = track.readyState === 2 ? "ok" :
        await once(track, "load", "error", 20000);
    const played = video.readyState >= 1 ? "ok" : await once(video, "loadedmetadata", "error",
                                                             20000);
    const sources = [];
    for (const s of video.querySelectorAll("source")) {
      sources.push(await source(new URL(s.getAttribute("src"), doc.baseURI).href));
    }
    out.push({
      clip: figure.dataset.clip,
      title: figure.querySelector("h2").textContent,
      embed: figure.querySelector("textarea").value,
      video: played, duration: video.duration, currentSrc: video.currentSrc,
      poster: video.getAttribute("poster"),
      track: trackState, cues: track.track.cues ? track.track.cues.length : -1,
      sources,
    });
  }
  document.getElementById("result").textContent = JSON.stringify(out);
}
check().catch(e => { document.getElementById("result").textContent = "failed: " + e; });
</script></body></html>
"""


@pytest.fixture()
def served(built: Path, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A copy of the built media/ served over HTTP on loopback only."""
    media = copy_build(built, tmp_path)
    (media / "check.html").write_text(CHECK_PAGE)
    handler = functools.partial(_QuietHandler, directory=str(media))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", media
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _checked(url: str) -> str:
    """The check page's result, waited for on a real clock (DevTools, tests/studio/browser.py):
    in virtual time the page's 20 s limits ran ahead of the media loads of a busy machine."""
    from tests.studio.browser import Browser

    with Browser() as browser:
        browser.open(url)
        return str(browser.evaluate("""new Promise(done => {
            const poll = () => {
              const text = document.getElementById("result").textContent;
              if (text !== "pending") { done(text); } else { setTimeout(poll, 200); }
            };
            poll();
        })""", timeout_ms=150_000))


def test_every_video_and_track_loads_in_chromium(served: tuple[str, Path]) -> None:
    base, media = served
    text = _checked(f"{base}/check.html")
    assert text.startswith("["), text
    results = json.loads(text)
    manifest = read_manifest(media)
    assert [r["clip"] for r in results] == list(manifest.clips) == ["alpha", "beta"]
    for result in results:
        entry = manifest.clips[result["clip"]]
        assert result["title"] == entry.title  # escaped in HTML, shown as written
        assert result["video"] == "ok", result
        assert abs(result["duration"] - entry.duration_s) <= 2 / 5, result
        assert result["track"] == "ok", result
        assert result["cues"] == len(entry.steps) >= 2, result  # one caption per step
        assert result["poster"] == entry.files["poster"]
        assert len(result["sources"]) == 1  # MP4 only: WebM is opt-in (--webm)
        for source in result["sources"]:
            assert source["status"] == "ok", source
            assert abs(source["duration"] - entry.duration_s) <= 2 / 5, source
        assert {Path(s["src"]).suffix for s in result["sources"]} == {".mp4"}
        assert 'src="media/' + entry.files["mp4"] + '"' in result["embed"]


def test_gallery_escapes_every_text() -> None:
    nasty = '<script>alert("x")</script> & \'quotes\''
    entry = ClipEntry(id="a", title=nasty, hash="0" * 64, duration_s=1.0, width=2, height=2,
                      files={k: f"a/a\"><b>.{k}" for k in
                             ("mp4", "webm", "poster", "vtt", "srt", "trace")})
    page = gallery_html(Manifest(clips={"a": entry}), ["a"], nasty)
    assert "<script>alert" not in page
    assert '"><b>' not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quotes&#x27;" in page
    assert "http://" not in page and "https://" not in page


# Titles a course author (or a hand-edited manifest) could write: every one is plain text as far
# as the lesson checks go, and each runs script if the page ever fails to escape it.
HOSTILE_TITLES = [
    "<script>parent.__pwned = 1; alert(1)</script>",
    '"><img src=x onerror="parent.__pwned = 1; alert(2)">',
    "'><svg onload='parent.__pwned = 1'>",
    '</h2></figcaption><a id="x" href="javascript:parent.__pwned = 1">go</a>',
    '<iframe src="javascript:parent.__pwned = 1"></iframe>',
    "</textarea><script>parent.__pwned = 1</script>",
]
LESSON_TITLE = "</title><script>parent.__pwned = 1</script>"

HOSTILE_CHECK = """<!DOCTYPE html>
<html><body><pre id="result">pending</pre><iframe id="gallery"></iframe>
<script>
window.__pwned = 0;
window.__dialogs = 0;
for (const name of ["alert", "confirm", "prompt"]) {
  window[name] = () => { window.__dialogs += 1; };
}
const frame = document.getElementById("gallery");
frame.addEventListener("load", () => {
  const win = frame.contentWindow, doc = frame.contentDocument;
  const attrs = [];
  const own = (el, name) => el.getAttribute(name);
  for (const el of doc.querySelectorAll("*")) {
    for (const a of el.attributes) {
      if (a.name.startsWith("on") || /^\\s*javascript:/i.test(a.value)) attrs.push(a.name);
    }
  }
  setTimeout(() => {
    document.getElementById("result").textContent = JSON.stringify({
      pwned: window.__pwned, dialogs: window.__dialogs,
      scripts: doc.querySelectorAll("script").length,
      iframes: doc.querySelectorAll("iframe").length,
      links: [...doc.querySelectorAll("a")].map(a => own(a, "href")),
      images: [...doc.querySelectorAll("img, svg")].map(i => own(i, "src")),
      attrs, title: doc.title, h1: doc.querySelector("h1").textContent,
      h2: [...doc.querySelectorAll("h2")].map(h => h.textContent),
    });
  }, 500);
});
frame.src = "index.html";
</script></body></html>
"""


def test_hostile_titles_stay_text_in_chromium(tmp_path: Path, fake: None) -> None:
    from studio.build import BuildOptions, build

    clips = "".join(
        f'[[clips]]\nid = "c{n}"\nkind = "code"\ntitle = {json.dumps(title)}\n'
        f'code = "y = x.t()"\ntensors.x = {{ shape = [2, 3] }}\n\n'
        for n, title in enumerate(HOSTILE_TITLES))
    lesson = tmp_path / "hostile.toml"
    lesson.write_text(f"title = {json.dumps(LESSON_TITLE)}\nseed = 1\n\n{clips}")
    media = tmp_path / "media"
    assert build(BuildOptions(lesson=str(lesson), quality="test", media=media)).ok
    # A hand-edited entry pointing at a javascript: URL is dropped before the page is written.
    data = json.loads((media / "manifest.json").read_text())
    data["clips"].append({**data["clips"][0], "id": "evil",
                          "files": {**data["clips"][0]["files"],
                                    "poster": "javascript:parent.__pwned=1"}})
    (media / "manifest.json").write_text(json.dumps(data))
    assert build(BuildOptions(lesson=str(lesson), quality="test", media=media)).ok
    (media / "check.html").write_text(HOSTILE_CHECK)
    handler = functools.partial(_QuietHandler, directory=str(media))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        text = _checked(f"http://127.0.0.1:{server.server_address[1]}/check.html")
    finally:
        server.shutdown()
        server.server_close()
    result = json.loads(text)
    manifest = read_manifest(media)
    # The only links are the page's own (present mode, from the top and from each clip) and
    # the only images each clip's poster, read from the manifest that survived the build.
    ids = [f"c{n}" for n in range(len(HOSTILE_TITLES))]
    assert result == {
        "pwned": 0, "dialogs": 0, "scripts": 1, "iframes": 0,
        "links": ["present.html", *(f"present.html#{i}" for i in ids)],
        "images": [manifest.clips[i].files["poster"] for i in ids],
        "attrs": [], "title": LESSON_TITLE, "h1": LESSON_TITLE, "h2": HOSTILE_TITLES,
    }
