// Search over every issue with the Pagefind index (pagefind/), which segments Chinese.
const form = document.querySelector("form.search");
const input = document.getElementById("q");
const status = document.getElementById("status");
const list = document.getElementById("results");
let pagefind = null;

function item(result) {
  const li = document.createElement("li");
  const a = document.createElement("a");
  a.href = result.url;
  a.textContent = result.meta.title || result.url;
  const where = document.createElement("p");
  where.className = "result-page";
  where.textContent = result.meta.page || "";
  const excerpt = document.createElement("p");
  excerpt.innerHTML = result.excerpt; // Pagefind's excerpt: our own text, <mark> around the hits
  li.append(a, where, excerpt);
  return li;
}

async function run(query) {
  list.replaceChildren();
  if (!query.trim()) { status.textContent = ""; return; }
  status.textContent = "检索中…";
  pagefind ??= await import("../pagefind/pagefind.js");
  const search = await pagefind.search(query);
  const results = await Promise.all(search.results.slice(0, 50).map((r) => r.data()));
  list.replaceChildren(...results.map(item));
  status.textContent = results.length ? `找到 ${search.results.length} 篇` : "没有找到";
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const url = new URL(location.href);
  url.searchParams.set("q", input.value);
  history.replaceState(null, "", url);
  run(input.value);
});
const initial = new URLSearchParams(location.search).get("q");
if (initial) { input.value = initial; run(initial); }
