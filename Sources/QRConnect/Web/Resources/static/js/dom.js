// Small DOM helpers shared by the pages: elements, views, field errors, polling.

/** `document.getElementById`, failing loudly if a page and its script disagree. */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`#${id} is missing`);
  return node;
}

/** A new element; `text` is set as text, never parsed as HTML. */
export function element(tag, { className, text, attributes = {} } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/**
 * Shows one of a page's views and hides the others. The view's heading takes the focus, so that
 * keyboard and screen-reader users land on what changed.
 */
export function showView(views, shown, { focus = true } = {}) {
  for (const view of views) byId(view).hidden = view !== shown;
  const heading = byId(shown).querySelector("h1");
  if (focus && heading) {
    heading.tabIndex = -1;
    heading.focus();
  }
}

/** Shows `message` in an alert paragraph, or hides it for an empty message. */
export function setAlert(node, message) {
  node.textContent = message ?? "";
  node.hidden = !message;
}

/** Marks `input` invalid with `message` in the paragraph `#<input id>-error`, or clears it. */
export function setFieldError(input, message) {
  const note = byId(`${input.id}-error`);
  setAlert(note, message);
  if (message) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", [note.id, input.dataset.hint].filter(Boolean).join(" "));
  } else {
    input.removeAttribute("aria-invalid");
    if (input.dataset.hint) input.setAttribute("aria-describedby", input.dataset.hint);
    else input.removeAttribute("aria-describedby");
  }
}

/**
 * Calls `task` every `interval` ms while the page is visible, and at once when it becomes visible
 * again. `interval` may be a function, asked before each wait: pages poll slowly while the live
 * socket is connected and fast while it is not (live.js). Returns a stop function; its
 * `reschedule()` starts the wait again with the current interval (call it when the interval
 * changes).
 */
export function poll(task, interval) {
  let timer = null;
  let stopped = false;
  const wait = () => (typeof interval === "function" ? interval() : interval);
  const run = async () => {
    clearTimeout(timer);
    if (stopped) return;
    if (!document.hidden) await task().catch(() => {});
    if (!stopped) timer = setTimeout(run, wait());
  };
  const onVisible = () => { if (!document.hidden) run(); };
  document.addEventListener("visibilitychange", onVisible);
  timer = setTimeout(run, wait());
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener("visibilitychange", onVisible);
  };
  stop.reschedule = () => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(run, wait());
  };
  return stop;
}
