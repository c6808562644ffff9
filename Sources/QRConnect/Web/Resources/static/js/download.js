// Saving a file the API sends as an attachment. The routes need the Authorization header, which a
// plain <a href> cannot send: the file is fetched (api.js), then handed to the browser as a Blob
// behind a temporary link with `download`, which saves it rather than opening it.

import { apiFile } from "./api.js";
import { element } from "./dom.js";

/** Downloads `path` and saves it; answers the file name. Throws an ApiError when it fails. */
export async function saveDownload(path, fallbackName) {
  const { blob, name } = await apiFile(path, fallbackName);
  const url = URL.createObjectURL(blob);
  const link = element("a", { attributes: { href: url, download: name, hidden: "" } });
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has started reading the Blob; give it time before the URL is let go.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}
