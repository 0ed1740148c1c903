// The language switch: the choice goes into the URL (?lang=), so links and reloads keep it.
const select = document.getElementById("lang-switch");
select?.addEventListener("change", () => {
  const url = new URL(location.href);
  url.searchParams.set("lang", select.value);
  location.assign(url);
});
