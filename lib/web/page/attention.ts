/**
 * Getting the user's attention while the tab is hidden: the count of unread messages in the
 * page's title, and a desktop notification for each, once the user has allowed them with a
 * click (browsers ask for permission only from a user's gesture).
 *
 * @module
 */

import { pageText as text } from "./text.ts";

/** The title and the notifications. */
export class Attention {
  readonly #button: HTMLButtonElement;
  #unread = 0;

  /**
   * @param button The "notify me" button; hidden where the browser has no notifications.
   */
  constructor(button: HTMLButtonElement) {
    this.#button = button;
    button.hidden = !("Notification" in globalThis);
    button.addEventListener("click", async () => {
      await Notification.requestPermission();
      this.redraw();
    });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.#unread = 0;
      this.redraw();
    });
  }

  /**
   * A message from someone else arrived: count it and notify while the tab is hidden.
   *
   * @param title Who said it.
   * @param body What they said.
   */
  message(title: string, body: string): void {
    if (document.visibilityState !== "hidden") return;
    this.#unread++;
    this.redraw();
    if ("Notification" in globalThis && Notification.permission === "granted") {
      // One notification per room (tag): a burst of messages replaces rather than piles up.
      const note = new Notification(title, { body, tag: "chat-room" });
      note.addEventListener("click", () => {
        globalThis.focus();
        note.close();
      });
    }
  }

  /** Show the title and the button again (after a change, or in another language). */
  redraw(): void {
    document.title = this.#unread > 0 ? text("titleUnread", { n: this.#unread }) : text("title");
    if (!("Notification" in globalThis)) return;
    const permission = Notification.permission;
    this.#button.disabled = permission !== "default";
    this.#button.textContent = permission === "granted"
      ? text("notifyOn")
      : permission === "denied"
      ? text("notifyBlocked")
      : text("notifyButton");
  }
}
