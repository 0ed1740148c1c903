// The explorer's "Export" menu: pictures and animations of the view (drawn here), and the
// run's script, notebook and tables (written by the server from the scenario on screen).

import { t } from "./i18n.js";
import { download, pngBlob, recordGif, recordWebm, SLIDE_16_9, svgBlob } from "./snapshot.js";

const RECORD_MAX_MS = 60_000;
const VIEW_FORMATS = ["svg", "png", "webm", "webm169", "gif"];

/**
 * `page` gives what an export needs of the explorer: store, socket, setPlaying(on),
 * showMessage(m), the play button and the "where" line. The returned recorder's frame() and
 * finish() are called by the explorer on every drawn frame and at the run's end; while
 * recording() it draws every frame (none coalesced: a slow machine's animation skips no step).
 */
export function setUpExports(select, page) {
  const recorder = { current: null }; // {frame, finish} while an animation is recorded
  const title = () => `LSTM State Lab · ${page.where.textContent}`;

  async function exportView(fmt) {
    if (fmt === "svg") return download(await svgBlob(title), "lstm_state_lab_view.svg");
    if (fmt === "png") return download(await pngBlob(title), "lstm_state_lab_view.png");
    // an animation: the whole run from the start, at the chosen speed; then back where it was
    const back = page.store.position;
    select.disabled = true;
    document.body.classList.add("recording");
    try {
      const run = (frame) => new Promise((finish) => {
        recorder.current = { frame, finish };
        setTimeout(finish, RECORD_MAX_MS);
        page.setPlaying(false);
        page.socket.send({ type: "seek", position: -1 });
        page.play.click();
      });
      if (fmt === "gif") download(await recordGif(title, run), "lstm_state_lab_run.gif");
      else download(await recordWebm(title, run, fmt === "webm169" ? SLIDE_16_9 : null), fmt === "webm169" ? "lstm_state_lab_run_16x9.webm" : "lstm_state_lab_run.webm");
    } catch (err) {
      page.showMessage({ text: t("js.main.record_failed", { reason: String(err.message || err) }) });
    } finally {
      recorder.current = null;
      page.socket.send({ type: "seek", position: back });
      select.disabled = false;
      document.body.classList.remove("recording");
    }
  }

  select.addEventListener("change", async (e) => {
    const fmt = e.target.value;
    e.target.value = "";
    if (!fmt || !page.store.summary) return;
    if (VIEW_FORMATS.includes(fmt)) return exportView(fmt);
    // the run on screen, with its "reset now" / "set state" interventions
    const r = await fetch(`/api/export/${fmt}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(page.store.summary.scenario) });
    if (!r.ok) {
      const body = await r.json().catch(() => ({}));
      page.showMessage(body.code || body.error ? body : { text: t("js.main.export_failed", { status: r.status }) });
      return;
    }
    const named = /filename="([^"]+)"/.exec(r.headers.get("Content-Disposition") || "");
    const a = Object.assign(document.createElement("a"), { href: URL.createObjectURL(await r.blob()), download: named ? named[1] : `lstm_state_lab_trace.${fmt}` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  });

  return {
    recording: () => recorder.current !== null,
    frame: () => recorder.current?.frame(),
    finish: () => recorder.current?.finish(),
  };
}
