// torchreel present mode: one clip at a time, played one step at a time.
// Works from file:// with no network: the step boundaries come from the JSON block the build
// wrote into this page (the same numbers as each clip's chapters track), never from the track,
// which Chromium does not load across file:// origins.
"use strict";
(() => {
  const clips = JSON.parse(document.getElementById("torchreel-clips").textContent);
  const video = document.getElementById("video");
  const list = document.getElementById("steps");
  const title = document.getElementById("title");
  const where = document.getElementById("where");
  const body = document.body;
  let clip = -1;      // index into clips
  let step = -1;      // the step shown: -1 is the clip's first frame, before its first step
  let stopAt = null;  // while a step plays: the time it ends
  let token = 0;      // bumped by every move, so a late callback of an old move does nothing

  const steps = (c) => clips[c].steps.length ? clips[c].steps
    : [{start: 0, end: clips[c].duration, title: clips[c].title}];

  function report(state) {
    // What a test (or a curious lecturer) can read: the clip, step and state.
    body.dataset.clip = clips[clip].id;
    body.dataset.step = String(step);
    body.dataset.state = state;
    body.dataset.move = String(token);
    for (const [n, item] of [...list.children].entries()) {
      item.classList.toggle("current", n === step);
      item.classList.toggle("done", n < step);
      item.firstChild.setAttribute("aria-current", n === step ? "step" : "false");
    }
    where.textContent = `clip ${clip + 1} of ${clips.length} · step ${Math.max(step + 1, 0)}` +
      ` of ${steps(clip).length}`;
    if (state === "paused") document.dispatchEvent(new CustomEvent("torchreel:paused"));
  }

  function seek(time) {
    return new Promise((resolve) => {
      if (Math.abs(video.currentTime - time) < 1e-6 && video.readyState >= 2) {
        resolve();
        return;
      }
      video.addEventListener("seeked", () => resolve(), {once: true});
      video.currentTime = time;
    });
  }

  function ready() {
    return video.readyState >= 1 ? Promise.resolve()
      : new Promise((resolve) => video.addEventListener("loadedmetadata", resolve,
                                                        {once: true}));
  }

  function load(c) {
    clip = c;
    step = -1;
    stopAt = null;
    const data = clips[c];
    title.textContent = data.title;
    document.title = `${data.title} · ${document.body.dataset.lesson}`;
    video.pause();
    video.replaceChildren();
    for (const [key, type] of [["webm", "video/webm"], ["mp4", "video/mp4"]]) {
      if (!data[key]) continue;  // no WebM unless the build asked for one (--webm)
      const source = document.createElement("source");
      source.src = data[key];
      source.type = type;
      video.append(source);
    }
    for (const [key, kind] of [["vtt", "captions"], ["chapters", "chapters"]]) {
      if (!data[key]) continue;
      const track = document.createElement("track");
      track.kind = kind;
      track.src = data[key];
      track.srclang = "en";
      track.label = kind === "chapters" ? "Steps" : "English";
      video.append(track);
    }
    video.poster = data.poster;
    video.load();
    list.replaceChildren();
    for (const [n, s] of steps(c).entries()) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = s.title;
      button.addEventListener("click", () => { play(n); video.focus(); });
      item.append(button);
      list.append(item);
    }
    history.replaceState(null, "", `#${encodeURIComponent(data.id)}`);
    report("loading");
  }

  // Plays step n of the current clip from its start and pauses exactly at its end.
  async function play(n) {
    const mine = ++token;
    const s = steps(clip)[n];
    step = n;
    stopAt = null;
    video.pause();
    report("seeking");
    await ready();
    await seek(s.start);
    if (mine !== token) return;
    stopAt = s.end;
    report("playing");
    try {
      await video.play();
    } catch (error) {
      if (mine === token) { stopAt = null; await land(mine, s.end); }
      return;
    }
    watch(mine);
  }

  // Checked every frame the browser paints (and on every timeupdate): video time moves in
  // whole frames, so the step's end is passed by less than a frame, then sought exactly.
  function watch(mine) {
    const check = () => {
      if (mine !== token || stopAt === null) return;
      if (video.currentTime >= stopAt - 1e-3 || video.ended) {
        const end = stopAt;
        stopAt = null;
        land(mine, end);
        return;
      }
      if (video.requestVideoFrameCallback) video.requestVideoFrameCallback(check);
      else requestAnimationFrame(check);
    };
    video.addEventListener("timeupdate", check);
    video.addEventListener("ended", check, {once: true});
    check();
  }

  async function land(mine, end) {
    video.pause();
    await seek(Math.min(end, video.duration || end));
    if (mine === token) report("paused");
  }

  async function show(c, n) {
    // Clip c at the end of its step n (-1: its first frame), paused.
    const mine = ++token;
    if (c !== clip) load(c);
    step = n;
    stopAt = null;
    video.pause();
    report("seeking");
    await ready();
    await seek(n < 0 ? 0 : steps(c)[n].end);
    if (mine === token) report("paused");
  }

  function next() {
    if (step + 1 < steps(clip).length) play(step + 1);
    else if (clip + 1 < clips.length) { load(clip + 1); play(0); }
  }

  function previous() {
    if (step - 1 >= 0) play(step - 1);
    else if (step === 0) show(clip, -1);
    else if (clip > 0) { load(clip - 1); play(steps(clip).length - 1); }
  }

  function toggleFullScreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  }

  const keys = {
    ArrowRight: next, " ": next, PageDown: next, Enter: next,
    ArrowLeft: previous, PageUp: previous, Backspace: previous,
    ArrowDown: () => { if (clip + 1 < clips.length) show(clip + 1, -1); },
    ArrowUp: () => { if (clip > 0) show(clip - 1, -1); },
    Home: () => show(0, -1),
    End: () => show(clips.length - 1, -1),
    f: toggleFullScreen, F: toggleFullScreen,
  };
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
  video.addEventListener("click", next);
  document.getElementById("next").addEventListener("click", next);
  document.getElementById("previous").addEventListener("click", previous);
  document.getElementById("fullscreen").addEventListener("click", toggleFullScreen);

  if (!clips.length) {
    title.textContent = "No clips built yet.";
    return;
  }
  const wanted = decodeURIComponent(location.hash.slice(1));
  const start = Math.max(0, clips.findIndex((c) => c.id === wanted));
  load(start);
  ready().then(() => show(start, -1));
})();
