// The owner's tags in /app (docs/API.md, "Tags: an owner's codes"): one card per tag with its
// private name, Pause/Resume, lost mode (a message shown to whoever scans it), the code to print
// again (SVG or PNG) and Release. A card is updated in place after each change, so that the
// focus of a keyboard or screen-reader user stays on the control they used.

import { api } from "./api.js";
import { confirmAction } from "./confirm.js";
import { byId, element, setAlert, setFieldError } from "./dom.js";
import { saveDownload } from "./download.js";
import { formatDate, t } from "./i18n.js";
import { saveLabel } from "./labels.js";

const lostMessageMax = 280;

export async function loadTags() {
  const { tags } = await api("GET", "/api/tags/");
  byId("tags-status").textContent = "";
  byId("tags").replaceChildren(...tags.map(tagCard));
  byId("tags-empty").hidden = tags.length > 0;
}

/** What people see of a tag: its name, or "Unnamed". */
function tagName(tag) {
  return tag.label ?? t("app.tag.unnamed");
}

function tagCard(initial) {
  let tag = initial;
  const { token } = tag;
  const short = token.slice(0, 8);
  const id = `tag-${token}`;
  const path = `/api/tags/${encodeURIComponent(token)}`;

  const title = element("h3", {});
  const activated = tag.activated_at ? ` · ${t("app.tag.activated", { date: formatDate(tag.activated_at) })}` : "";
  const hint = element("p", { className: "hint", text: `…${short}${activated}`, attributes: { id: `${id}-hint` } });
  const pausedNote = element("p", { className: "tag-state paused", text: t("tags.paused.note"), attributes: { id: `${id}-paused` } });
  const lostNote = element("p", { className: "tag-state lost", text: t("tags.lost.note") });
  const cardError = element("p", { className: "alert", attributes: { role: "alert", hidden: "" } });
  const cardStatus = element("p", { className: "status", attributes: { role: "status" } });

  // Naming: the same form as on the scan page (labels.js).
  const nameInput = element("input", { attributes: { id, maxlength: "40", autocomplete: "off", "data-hint": `${id}-hint`, "aria-describedby": `${id}-hint` } });
  const nameStatus = element("p", { className: "status", attributes: { role: "status" } });
  const nameForm = element("form", { className: "stack", attributes: { novalidate: "" } }, [
    element("label", { text: t("app.tag.name", { short }), attributes: { for: id } }),
    element("div", { className: "inline" }, [nameInput, element("button", { text: t("label.save"), attributes: { type: "submit" } })]),
    element("p", { className: "field-error", attributes: { id: `${id}-error`, hidden: "" } }),
    nameStatus,
  ]);
  nameForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (await saveLabel(token, nameInput, nameStatus)) {
      tag = { ...tag, label: nameInput.value };
      render();
    }
  });

  const pauseButton = element("button", { className: "secondary", attributes: { type: "button" } });
  pauseButton.addEventListener("click", () => change({ paused: !tag.paused }, pauseButton,
    (updated) => t(updated.paused ? "tags.paused.done" : "tags.resumed.done")));

  // Lost mode: a disclosure, open while the mode is on, so that the message is in view.
  const lostID = `${id}-lost`;
  const lostBox = element("textarea", {
    attributes: { id: lostID, rows: "3", maxlength: String(lostMessageMax), "data-hint": `${lostID}-hint`, "aria-describedby": `${lostID}-hint` },
  });
  const lostSave = element("button", { attributes: { type: "submit" } });
  const lostOff = element("button", { className: "secondary", text: t("tags.lost.off"), attributes: { type: "button" } });
  const lostSummary = element("summary", {});
  const lostForm = element("form", { className: "stack", attributes: { novalidate: "" } }, [
    element("div", { className: "field" }, [
      element("label", { text: t("tags.lost.label"), attributes: { for: lostID } }),
      element("p", { className: "hint", text: t("tags.lost.hint"), attributes: { id: `${lostID}-hint` } }),
      lostBox,
      element("p", { className: "field-error", attributes: { id: `${lostID}-error`, hidden: "" } }),
    ]),
    element("div", { className: "inline" }, [lostSave, lostOff]),
  ]);
  const lostDetails = element("details", { className: "disclosure" }, [lostSummary, lostForm]);
  lostForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const message = lostBox.value.trim();
    const problem = !message ? t("tags.lost.empty") : message.length > lostMessageMax ? t("tags.lost.long") : null;
    setFieldError(lostBox, problem);
    if (problem) return lostBox.focus();
    change({ lost_message: message }, lostSave, () => t("tags.lost.saved"), lostBox);
  });
  lostOff.addEventListener("click", () => change({ lost_message: null }, lostOff, () => t("tags.lost.turned_off")));

  const svgButton = element("button", { className: "secondary", text: t("tags.download.svg"), attributes: { type: "button" } });
  const pngButton = element("button", { className: "secondary", text: t("tags.download.png"), attributes: { type: "button" } });
  svgButton.addEventListener("click", () => download(svgButton, `${path}/qr.svg`, `qrconnect-${short}.svg`));
  pngButton.addEventListener("click", () => download(pngButton, `${path}/qr.png`, `qrconnect-${short}.png`));

  const releaseButton = element("button", { className: "secondary danger", text: t("tags.release"), attributes: { type: "button" } });
  releaseButton.addEventListener("click", release);

  const card = element("li", { className: "tag card", attributes: { "data-token": token } }, [
    title, hint, pausedNote, lostNote, nameForm,
    element("div", { className: "tag-actions" }, [pauseButton]),
    lostDetails,
    element("p", { className: "hint", text: t("tags.download.hint") }),
    element("div", { className: "inline" }, [svgButton, pngButton]),
    cardStatus, cardError,
    releaseButton,
  ]);
  nameInput.value = tag.label ?? "";
  lostBox.value = tag.lost_message ?? "";
  lostDetails.open = tag.lost_message !== null;
  render();
  return card;

  /** Shows `tag` as it now is; leaves alone what the owner may be typing. */
  function render() {
    title.textContent = tagName(tag);
    pausedNote.hidden = !tag.paused;
    lostNote.hidden = tag.lost_message === null;
    pauseButton.textContent = t(tag.paused ? "tags.resume" : "tags.pause");
    // Says which tag it acts on: "Pause" alone is ambiguous in a list of tags.
    pauseButton.setAttribute("aria-label", t(tag.paused ? "tags.resume.named" : "tags.pause.named", { name: tagName(tag) }));
    lostSummary.textContent = t(tag.lost_message === null ? "tags.lost.summary" : "tags.lost.summary_on");
    lostSave.textContent = t(tag.lost_message === null ? "tags.lost.on" : "tags.lost.save");
    lostOff.hidden = tag.lost_message === null;
    releaseButton.setAttribute("aria-label", t("tags.release.named", { name: tagName(tag) }));
    svgButton.setAttribute("aria-label", t("tags.download.svg.named", { name: tagName(tag) }));
    pngButton.setAttribute("aria-label", t("tags.download.png.named", { name: tagName(tag) }));
  }

  function clearNotes() {
    cardStatus.textContent = "";
    setAlert(cardError, null);
  }

  /** PATCHes `changes`; on success shows the new state and `doneText(tag)`. */
  async function change(changes, button, doneText, field = null) {
    clearNotes();
    button.disabled = true;
    try {
      tag = await api("PATCH", `${path}/`, { body: changes });
      if (changes.lost_message === null) {
        lostBox.value = "";
        setFieldError(lostBox, null);
      } else if (changes.lost_message !== undefined) {
        lostBox.value = tag.lost_message ?? "";
      }
      render();
      cardStatus.textContent = doneText(tag);
    } catch (error) {
      if (field && error.code === "invalid") setFieldError(field, t("tags.lost.long"));
      else setAlert(cardError, error.text);
    } finally {
      button.disabled = false;
      // A disabled button may lose the focus, and the Off button hides itself once lost mode is
      // off: put the focus back on the control used, or on the lost-mode form's main button.
      if (!card.contains(document.activeElement)) (button.hidden ? lostSave : button).focus();
    }
  }

  async function download(button, filePath, fallbackName) {
    clearNotes();
    button.disabled = true;
    try {
      const name = await saveDownload(filePath, fallbackName);
      cardStatus.textContent = t("tags.downloaded", { name });
    } catch (error) {
      setAlert(cardError, error.text);
    } finally {
      button.disabled = false;
    }
  }

  async function release() {
    clearNotes();
    const confirmed = await confirmAction({
      title: t("tags.release.title", { name: tagName(tag) }),
      body: t("tags.release.body"),
      confirmLabel: t("tags.release.confirm"),
    });
    if (!confirmed) return;
    releaseButton.disabled = true;
    try {
      await api("POST", `${path}/release/`);
      card.remove();
      byId("tags-empty").hidden = byId("tags").children.length > 0;
      byId("tags-status").textContent = t("tags.released", { name: tagName(tag) });
      // The card and its button are gone: the focus goes to the list's heading.
      byId("tags-title").focus();
    } catch (error) {
      releaseButton.disabled = false;
      setAlert(cardError, error.text);
    }
  }
}
