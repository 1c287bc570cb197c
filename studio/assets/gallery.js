// media/index.html: open a clip's player, step through it, copy its embed snippet.
"use strict";
for (const figure of document.querySelectorAll("figure[data-clip]")) {
  const dialog = figure.querySelector("dialog");
  const video = dialog.querySelector("video");
  const items = [...dialog.querySelectorAll("ol.steps li")];
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
