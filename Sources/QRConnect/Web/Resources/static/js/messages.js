// A conversation as a list that only grows: new messages are appended, none is redrawn, so a
// screen reader announces each new message once (the list is an aria-live region).

import { element } from "./dom.js";
import { formatTime, t } from "./i18n.js";

export class MessageList {
  /** `isMine(message)` tells the reader's own messages from the other side's. */
  constructor(list, emptyNote, isMine) {
    this.list = list;
    this.emptyNote = emptyNote;
    this.isMine = isMine;
    this.ids = new Set();
  }

  get isEmpty() {
    return this.ids.size === 0;
  }

  /** Adds the messages not shown yet, in id order; returns how many were new. */
  add(messages) {
    const fresh = messages.filter((message) => !this.ids.has(message.id)).sort((a, b) => a.id - b.id);
    for (const message of fresh) {
      this.ids.add(message.id);
      this.list.append(this.item(message));
    }
    this.emptyNote.hidden = !this.isEmpty;
    if (fresh.length) this.list.lastElementChild.scrollIntoView({ block: "nearest" });
    return fresh.length;
  }

  clear() {
    this.ids.clear();
    this.list.replaceChildren();
    this.emptyNote.hidden = false;
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
