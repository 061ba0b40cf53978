/**
 * The room as the page shows it: the messages with the server's times (own messages set apart,
 * history marked as such, notices for joins, leavings and uploads) and the list of who is
 * online, where a name is a button that starts a private message. Every name and message is set
 * as text (lib/web/page/dom.ts); the log is an ARIA live region, so a screen reader reads new
 * messages as they come.
 *
 * @module
 */

import { lang } from "../../cli/i18n.ts";
import { formatBytes } from "../../cli/units.ts";
import { type ChatEvent, nameKey } from "../../chat/protocol.ts";
import { type Reason, sentence } from "../../chat/reason.ts";
import { el } from "./dom.ts";
import { pageText as text } from "./text.ts";

/**
 * Messages kept on the page. Older ones are removed, so a room that runs for days does not
 * grow the page without bound; the server's history keeps them.
 */
export const MAX_ENTRIES = 1000;

/** How close to the end of the log (in pixels) counts as reading the newest lines. */
const FOLLOW_PX = 48;

/** The parts of index.html the view fills. */
export interface RoomParts {
  /** The message log, `role="log"`. */
  log: HTMLOListElement;
  /** Who is online. */
  users: HTMLUListElement;
  /** The heading above it, which counts them. */
  usersHeading: HTMLElement;
}

/** One shown line, and how to show it again in another language. */
interface Entry {
  li: HTMLLIElement;
  render(): (Node | string)[];
}

/**
 * What the server said, in the user's language: the sentence for its code, or the English that
 * came with it for a code this page does not know.
 *
 * @param why The code and values, if sent.
 * @param english The server's English.
 * @returns The sentence.
 */
export function serverWords(why: Reason | null, english: string): string {
  return (why && sentence(lang(), why)) ?? english;
}

/** The messages and the online list. */
export class RoomView {
  readonly #parts: RoomParts;
  readonly #pick: (name: string) => void;
  readonly #entries: Entry[] = [];
  readonly #users: string[] = [];
  #me = "";
  #inHistory = false;
  #resumed = false;

  /**
   * @param parts Where to draw.
   * @param pick Called with a name clicked in the online list (a private message to them).
   */
  constructor(parts: RoomParts, pick: (name: string) => void) {
    this.#parts = parts;
    this.#pick = pick;
  }

  /**
   * Start showing the room as a member.
   *
   * @param me Our name, as the server spells it.
   * @param users Everyone online, from the join's answer.
   * @param again Whether this is a rejoin after a lost connection: the history that follows is
   *   what was missed.
   */
  joined(me: string, users: readonly string[], again: boolean): void {
    if (!again) {
      // A new visit to the room (after leaving, or being turned out) starts a new log.
      this.#entries.splice(0, this.#entries.length);
      this.#parts.log.replaceChildren();
    }
    this.#me = me;
    this.#users.splice(0, this.#users.length, ...users);
    this.#resumed = again;
    this.#inHistory = false;
    this.#drawUsers();
  }

  /**
   * Show an event, and follow joins and leavings in the online list.
   *
   * @param event The event, once.
   */
  show(event: ChatEvent): void {
    if (!event.history) {
      if (event.type === "joined") this.#addUser(event.name);
      if (event.type === "left") this.#removeUser(event.name);
    }
    if (event.history && !this.#inHistory) {
      const mark = this.#resumed ? "missedMark" : "historyMark";
      this.#add("divider", () => [text(mark)]);
    }
    this.#inHistory = event.history === true;
    const kind = this.#kindOf(event);
    this.#add(kind, () => this.#describe(event), event.time);
  }

  /**
   * Show a line of the page's own (connection lost, reconnected) among the messages.
   *
   * @param words Makes the line, in the current language.
   */
  note(words: () => string): void {
    this.#add("notice local", () => [words()]);
  }

  /** Show every line again in the current language. */
  redraw(): void {
    for (const entry of this.#entries) {
      entry.li.replaceChildren(...entry.render());
    }
    this.#drawUsers();
  }

  #kindOf(event: ChatEvent): string {
    const own = (name: string) => nameKey(name) === nameKey(this.#me);
    const history = event.history ? " history" : "";
    if (event.type === "chat") {
      return `chat${own(event.from) ? " own" : ""}${history}`;
    }
    if (event.type === "private") {
      return `chat private${own(event.from) ? " own" : ""}${history}`;
    }
    return `notice${history}`;
  }

  #describe(event: ChatEvent): (Node | string)[] {
    const who = (name: string) => nameKey(name) === nameKey(this.#me) ? text("you") : name;
    switch (event.type) {
      case "chat":
        return [
          el("b", { className: "from", text: event.from }),
          " ",
          textSpan(event.text),
        ];
      case "private": {
        const key = event.offline
          ? "privateOffline"
          : event.stored
          ? "privateStored"
          : "privateFrom";
        const label = text(key, { from: who(event.from), to: who(event.to) });
        return [
          el("b", { className: "from", text: label }),
          " ",
          textSpan(event.text),
        ];
      }
      case "joined":
        return [text("joined", { name: event.name })];
      case "left":
        return [
          text("left", {
            name: event.name,
            reason: serverWords(event.why, event.reason),
          }),
        ];
      case "uploaded":
        return [
          text("uploaded", {
            from: event.from,
            name: event.name,
            size: formatBytes(event.size),
          }),
        ];
      case "notice":
        return [serverWords(event.why, event.text)];
      case "delivered":
        return [text("delivered", { to: event.to })];
    }
  }

  #add(
    kind: string,
    render: () => (Node | string)[],
    time?: string | null,
  ): void {
    const li = el("li", { className: kind });
    const entry: Entry = {
      li,
      render: () => time ? [timeOf(time), " ", ...render()] : render(),
    };
    li.append(...entry.render());
    const log = this.#parts.log;
    // Follow new lines only when the reader is at the end, not while they read further up.
    const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < FOLLOW_PX;
    this.#entries.push(entry);
    log.append(li);
    while (this.#entries.length > MAX_ENTRIES) {
      this.#entries.shift()!.li.remove();
    }
    if (atEnd) log.scrollTop = log.scrollHeight;
  }

  #addUser(name: string): void {
    if (!this.#users.some((u) => nameKey(u) === nameKey(name))) {
      this.#users.push(name);
    }
    this.#drawUsers();
  }

  #removeUser(name: string): void {
    const at = this.#users.findIndex((u) => nameKey(u) === nameKey(name));
    if (at >= 0) this.#users.splice(at, 1);
    this.#drawUsers();
  }

  #drawUsers(): void {
    const { users, usersHeading } = this.#parts;
    usersHeading.textContent = text("onlineHeading", { n: this.#users.length });
    const sorted = [...this.#users].sort((a, b) => a.localeCompare(b));
    users.replaceChildren(...sorted.map((name) => {
      if (nameKey(name) === nameKey(this.#me)) {
        return el("li", { className: "me", text: text("meInList", { name }) });
      }
      const button = el("button", {
        className: "user",
        text: name,
        attrs: { type: "button", "aria-label": text("startPrivate", { name }) },
      });
      button.addEventListener("click", () => this.#pick(name));
      return el("li", {}, button);
    }));
  }
}

/** A message's text, as text. */
function textSpan(value: string): HTMLSpanElement {
  return el("span", { className: "text", text: value });
}

/** The server's time, `YYYY-MM-DD HH:MM:SS`, shown as its time of day. */
function timeOf(stamp: string): HTMLTimeElement {
  const clock = /\d\d:\d\d:\d\d$/.exec(stamp)?.[0] ?? stamp;
  return el("time", { text: clock, attrs: { datetime: stamp, title: stamp } });
}
