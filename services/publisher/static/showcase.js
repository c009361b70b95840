// Filters apply as soon as one is chosen; without JavaScript the 筛选 button does the same.
document.querySelectorAll("#filters select").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});
// One video plays at a time.
document.addEventListener("play", (event) => {
  document.querySelectorAll("video").forEach((video) => {
    if (video !== event.target) video.pause();
  });
}, true);
// Stream the HLS ladder: natively where the browser can (Safari), with hls.js where Media Source
// Extensions exist; otherwise the <source> MP4 master plays as it is.
document.querySelectorAll("video[data-hls]").forEach((video) => {
  const url = video.dataset.hls;
  if (video.canPlayType("application/vnd.apple.mpegurl")) {
    video.src = url;
  } else if (window.Hls && window.Hls.isSupported()) {
    const hls = new window.Hls({ capLevelToPlayerSize: true });
    hls.loadSource(url);
    hls.attachMedia(video);
    hls.on(window.Hls.Events.ERROR, (_event, data) => {
      if (data.fatal) {  // fall back to the MP4 master
        hls.destroy();
        video.removeAttribute("src");
        video.load();
      }
    });
  }
});
