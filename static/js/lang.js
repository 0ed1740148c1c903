// The language switch: the choice goes into the URL (?lang=), so links and reloads keep it.
// Every page also honours presenter mode and a teacher's hidden controls (?present=1&hide=).
import { applyFromUrl } from "./classroom.js";

applyFromUrl();
const select = document.getElementById("lang-switch");
select?.addEventListener("change", () => {
  const url = new URL(location.href);
  url.searchParams.set("lang", select.value);
  location.assign(url);
});
