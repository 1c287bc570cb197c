// media/index.html: open a clip's player, step through it, copy its embed snippet.
"use strict";
for (const figure of document.querySelectorAll("figure[data-clip]")) {
  const dialog = figure.querySelector("dialog");
  const video = dialog.querySelector("video");
  const items = [...dialog.querySelectorAll("ol.steps li")];
  const play = dialog.querySelector("button.play");
  const seek = dialog.querySelector("input.seek");
  const time = dialog.querySelector(".time");
  const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
  const toggle = () => { if (video.paused) video.play().catch(() => {}); else video.pause(); };
  play.addEventListener("click", toggle);
  video.addEventListener("click", toggle);
  video.addEventListener("play", () => { play.textContent = "Pause"; });
  video.addEventListener("pause", () => { play.textContent = "Play"; });
  seek.addEventListener("input", () => { video.currentTime = Number(seek.value); });
  figure.querySelector("button.open").addEventListener("click", () => {
    dialog.showModal();
    video.play().catch(() => {});
  });
  dialog.querySelector("button.close").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => video.pause());
  for (const item of items) {
    item.querySelector("button").addEventListener("click", () => {
      video.currentTime = Number(item.dataset.start);
      video.play().catch(() => {});
    });
  }
  video.addEventListener("timeupdate", () => {
    seek.value = String(video.currentTime);
    time.textContent = `${clock(video.currentTime)} / ${clock(Number(seek.max))}`;
    for (const item of items) {
      const t = video.currentTime;
      item.classList.toggle("current",
        Number(item.dataset.start) <= t && t < Number(item.dataset.end));
    }
  });
}
for (const button of document.querySelectorAll("button[data-copy]")) {
  button.addEventListener("click", () => {
    const area = document.getElementById(button.dataset.copy);
    area.select();
    const done = () => { button.textContent = "Copied"; };
    if (navigator.clipboard) {
      navigator.clipboard.writeText(area.value).then(done, () => {
        document.execCommand("copy"); done(); });
    } else { document.execCommand("copy"); done(); }
  });
}
