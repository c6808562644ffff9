// A conversation as a list that only grows: new messages are inserted in id order (from polling,
// the live socket or a send, whichever comes first; a message is shown once), none is redrawn, so
// a screen reader announces each new message once (the list is an aria-live region). The reader's
// last message the other side has read carries "Read".

import { element } from "./dom.js";
import { formatTime, t } from "./i18n.js";

export class MessageList {
  /** `isMine(message)` tells the reader's own messages from the other side's. */
  constructor(list, emptyNote, isMine) {
    this.list = list;
    this.emptyNote = emptyNote;
    this.isMine = isMine;
    this.ids = new Set();
    this.maxID = 0;
    this.readUpTo = 0;
  }

  get isEmpty() {
    return this.ids.size === 0;
  }

  /** The highest message id shown, 0 for none. */
  get lastID() {
    return this.maxID;
  }

  /** Adds the messages not shown yet, in id order; returns how many were new. */
  add(messages) {
    const fresh = messages.filter((message) => !this.ids.has(message.id)).sort((a, b) => a.id - b.id);
    for (const message of fresh) {
      this.ids.add(message.id);
      const item = this.item(message);
      if (message.id > this.maxID) {
        this.list.append(item);
        this.maxID = message.id;
      } else {
        // Late (a live event overtaken by a send's answer): before the first newer message.
        const later = [...this.list.children].find((node) => Number(node.dataset.id) > message.id);
        this.list.insertBefore(item, later ?? null);
      }
      if (this.isMine(message) && message.read) this.readUpTo = Math.max(this.readUpTo, message.id);
    }
    this.emptyNote.hidden = !this.isEmpty;
    if (fresh.length) {
      this.showRead();
      this.list.lastElementChild.scrollIntoView({ block: "nearest" });
    }
    return fresh.length;
  }

  /** The other side has read everything up to `id`. */
  markRead(id) {
    if (id <= this.readUpTo) return;
    this.readUpTo = id;
    this.showRead();
  }

  clear() {
    this.ids.clear();
    this.maxID = 0;
    this.readUpTo = 0;
    this.list.replaceChildren();
    this.emptyNote.hidden = false;
  }

  /** "Read" on the reader's last message, once the other side has read it. */
  showRead() {
    const mine = [...this.list.querySelectorAll(".message.mine")];
    const last = mine.at(-1);
    const target = last && Number(last.dataset.id) <= this.readUpTo ? last : null;
    for (const node of this.list.querySelectorAll(".read-mark")) {
      if (node.closest(".message") !== target) node.remove();
    }
    if (target && !target.querySelector(".read-mark")) {
      target.querySelector(".meta").append(element("span", { className: "read-mark", text: ` · ${t("chat.read")}` }));
    }
  }

  item(message) {
    const mine = this.isMine(message);
    return element("li", { className: mine ? "message mine" : "message theirs", attributes: { "data-id": message.id } }, [
      element("p", { className: "meta" }, [
        element("span", { className: "author", text: mine ? t("chat.you") : message.sender_name }),
        " · ",
        element("time", { text: formatTime(message.created_at), attributes: { datetime: message.created_at } }),
      ]),
      element("p", { className: "content", text: message.content }),
    ]);
  }
}
