// One WebSocket to /ws/live that reconnects with backoff; the controller re-sends its state.
// The explorer and its compare run share it: messages for the compare run carry slot "b".
// An idle close (the server closes a socket nobody used for a while) is not retried until the
// user acts: 40 idle tabs must not come back together by themselves.

const IDLE = "idle";

export class LiveSocket {
  constructor(onMessage, onStatus) {
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.delay = 250;
    this.queue = [];
    this.sleeping = false;
    this.connect();
  }

  connect() {
    this.sleeping = false;
    const proto = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${proto}://${location.host}/ws/live`);
    this.ws = ws;
    ws.onopen = () => {
      this.delay = 250;
      this.onStatus("open");
      for (const m of this.queue.splice(0)) ws.send(m);
    };
    ws.onmessage = (ev) => this.onMessage(JSON.parse(ev.data));
    ws.onclose = (ev) => {
      if (ev.code === 1000 && (ev.reason || "").startsWith(IDLE)) {
        this.sleep();
        return;
      }
      // 1001: the server is restarting; 1013: it is full (it says when to retry). Backoff.
      const busy = ev.code === 1013;
      const wait = busy ? Math.max(this.delay, 15000 + Math.random() * 15000) : this.delay;
      this.onStatus("closed", { code: ev.code, reason: ev.reason, retryMs: wait });
      setTimeout(() => this.connect(), wait);
      this.delay = Math.min(this.delay * 2, 8000);
    };
  }

  /** Closed for being idle: reconnect at the user's next key, click or touch. */
  sleep() {
    this.sleeping = true;
    this.onStatus("idle", {});
    const wake = () => {
      for (const type of ["keydown", "pointerdown"]) window.removeEventListener(type, wake, true);
      if (this.sleeping) this.connect();
    };
    for (const type of ["keydown", "pointerdown"]) window.addEventListener(type, wake, true);
  }

  send(message) {
    const text = JSON.stringify(message);
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
    else this.queue.push(text);
  }
}
