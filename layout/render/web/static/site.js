// The page view: a link in the page's article list lights its hotspot on the page image.
for (const link of document.querySelectorAll("a[data-hotspot]")) {
  const spot = document.getElementById(link.dataset.hotspot);
  if (!spot) continue;
  const on = () => spot.classList.add("lit");
  const off = () => spot.classList.remove("lit");
  link.addEventListener("mouseenter", on);
  link.addEventListener("mouseleave", off);
  link.addEventListener("focus", on);
  link.addEventListener("blur", off);
}
