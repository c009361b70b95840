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
