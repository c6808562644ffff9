// Live delivery: the WebSocket at /api/chat/ws/ (docs/API.md, "Live delivery"). A page opens one
// `LiveFeed`, which connects, hands every event to the page, and reconnects with backoff after a
// drop, passing `since` (the highest message id the page has) so that nothing is missed. Polling
// stays the fallback: pages ask `pollInterval()` how often to poll, which is slow while the socket
// is connected and the page's own interval otherwise.
//
// Two settings in localStorage, for tests and for troubleshooting a network that breaks sockets:
// `qrconnect.live` = "off" never opens the socket (polling only); `qrconnect.poll` = milliseconds
// overrides the polling interval used while the socket is not connected.

const backoffStart = 500;
const backoffMax = 15_000;
/** Polling while connected: a safety net only, the socket brings everything. */
const connectedPollInterval = 30_000;
/** After this many attempts in a row that never opened, stop trying until the page is shown again. */
const maxFailedOpens = 6;

export const liveDisabled = localStorage.getItem("qrconnect.live") === "off" || !("WebSocket" in window);

/** The page's polling interval, or the test/troubleshooting override (at least 1 s). */
export function pollSetting(interval) {
  const override = Number(localStorage.getItem("qrconnect.poll"));
  return Number.isFinite(override) && override >= 1000 ? override : interval;
}

export class LiveFeed {
  /**
   * - `ticket`: for signed-in pages, an async function answering a fresh single-use ticket
   *   (`POST /api/chat/ws-ticket/`); null for guests, whose cookie authenticates the socket.
   * - `since()`: the highest message id the page has (0 or less: none yet).
   * - `onEvent(event)`: every frame, parsed (`message.created`, `conversation.read`, `ready`).
   * - `onChange(connected)`: the socket opened or closed.
   */
  constructor({ ticket = null, since, onEvent, onChange = () => {} }) {
    this.ticket = ticket;
    this.since = since;
    this.onEvent = onEvent;
    this.onChange = onChange;
    this.socket = null;
    this.connected = false;
    this.running = false;
    this.timer = null;
    this.attempt = 0;
    this.failedOpens = 0;
    this.onVisible = () => {
      if (document.hidden || !this.running || this.socket) return;
      // Back on screen: try again at once, even after giving up.
      this.attempt = 0;
      this.failedOpens = 0;
      this.connect();
    };
  }

  /** Starts connecting; does nothing if already started or live delivery is off. */
  start() {
    if (liveDisabled) document.documentElement.dataset.live = "disabled";
    if (this.running || liveDisabled) return;
    this.running = true;
    document.addEventListener("visibilitychange", this.onVisible);
    this.connect();
  }

  stop() {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.timer);
    document.removeEventListener("visibilitychange", this.onVisible);
    const socket = this.socket;
    this.socket = null;
    if (socket) this.close(socket);
    this.setConnected(false);
  }

  /** How often a page polls: `interval` while the socket is down, a slow safety net while it is up. */
  pollInterval(interval) {
    return this.connected ? connectedPollInterval : pollSetting(interval);
  }

  async connect() {
    clearTimeout(this.timer);
    if (!this.running || this.socket) return;
    // A hidden page waits to be shown (`onVisible`) rather than reconnecting in the background.
    if (document.hidden) return;
    const query = new URLSearchParams();
    const marker = {};
    this.socket = marker;
    try {
      if (this.ticket) query.set("ticket", await this.ticket());
    } catch {
      if (this.socket === marker) this.socket = null;
      return this.retry(false);
    }
    // Stopped, or restarted, while the ticket was on its way.
    if (this.socket !== marker || !this.running) return;
    const since = this.since();
    if (since > 0) query.set("since", String(since));
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    let socket;
    try {
      socket = new WebSocket(`${scheme}//${location.host}/api/chat/ws/?${query}`);
    } catch {
      this.socket = null;
      return this.retry(false);
    }
    this.socket = socket;
    let opened = false;
    socket.addEventListener("open", () => {
      if (this.socket !== socket) return this.close(socket);
      opened = true;
      this.failedOpens = 0;
      this.setConnected(true);
    });
    socket.addEventListener("message", (frame) => {
      if (this.socket !== socket) return;
      let event;
      try {
        event = JSON.parse(frame.data);
      } catch {
        return;
      }
      // A clean catch-up: the next drop starts again from the shortest wait.
      if (event?.type === "ready") this.attempt = 0;
      if (event?.type) this.onEvent(event);
    });
    socket.addEventListener("close", () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.setConnected(false);
      this.retry(opened);
    });
  }

  /** Schedules the next attempt: 0.5 s doubling to 15 s, each wait drawn in its upper half. */
  retry(opened) {
    if (!this.running) return;
    if (!opened) this.failedOpens += 1;
    if (this.failedOpens >= maxFailedOpens) return; // Polling carries on; `onVisible` tries again.
    const ceiling = Math.min(backoffMax, backoffStart * 2 ** this.attempt);
    this.attempt += 1;
    this.timer = setTimeout(() => this.connect(), ceiling / 2 + Math.random() * ceiling / 2);
  }

  /** Closes a socket; one still connecting is closed once open (closing it earlier logs an error). */
  close(socket) {
    if (socket.readyState === WebSocket.CONNECTING) {
      socket.addEventListener("open", () => socket.close(1000));
    } else if (socket.readyState === WebSocket.OPEN) {
      socket.close(1000);
    }
  }

  setConnected(connected) {
    if (this.connected === connected) return;
    this.connected = connected;
    // Seen by tests and by anyone debugging in the inspector: <html data-live="on|off|disabled">.
    document.documentElement.dataset.live = connected ? "on" : "off";
    this.onChange(connected);
  }
}

/**
 * Runs `task` now if the page is on screen, or once it is shown again: marking a conversation
 * read while nobody looks at it would be a lie.
 */
export function whenVisible(task) {
  if (!document.hidden) return task();
  const onVisible = () => {
    if (document.hidden) return;
    document.removeEventListener("visibilitychange", onVisible);
    task();
  };
  document.addEventListener("visibilitychange", onVisible);
}
