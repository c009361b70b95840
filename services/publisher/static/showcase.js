// The showcase's filters and players. The vendored hls.js (a classic script) sets window.Hls.
const { Hls } = window;

// Filters apply as soon as one is chosen; without JavaScript the 筛选 button does the same.
for (const select of document.querySelectorAll("#filters select")) {
  select.addEventListener("change", () => select.form.submit());
}

// One video plays at a time.
document.addEventListener(
  "play",
  (event) => {
    for (const video of document.querySelectorAll("video")) if (video !== event.target) video.pause();
  },
  true,
);

// Stream the HLS ladder: natively where the browser can (Safari), with hls.js where Media Source
// Extensions exist; otherwise the <source> MP4 master plays as it is.
for (const video of document.querySelectorAll("video[data-hls]")) {
  const url = video.dataset.hls;
  if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = url;
  } else if (Hls && Hls.isSupported()) {
    const hls = new Hls({ capLevelToPlayerSize: true });
    hls.loadSource(url);
    hls.attachMedia(video);
    hls.on(Hls.Events.ERROR, (_event, data) => {
      if (!data.fatal) return;
      hls.destroy(); // fall back to the MP4 master
      video.removeAttribute("src");
      video.load();
    });
  }
}
