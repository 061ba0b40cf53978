// The DOM's types for every check of the page, the project's one `deno check` included: there
// the server's text imports of these modules (lib/web/page_assets.ts) have them checked with
// the server's options, which lack them.
/// <reference lib="dom" />
/**
 * The chat room's web page: the same room as the terminal clients, over a WebSocket that
 * carries the project's own frames. This module wires the parts of index.html to the session
 * (lib/web/page/session.ts: join, reconnect), the room view (messages and the online list), the
 * files view (uploads and the file list) and the title and notifications.
 *
 * Open it from chat-server's web address, such as http://127.0.0.1:15080/?name=alice.
 *
 * @module
 */

import { isLang, type Lang } from "../../cli/i18n.ts";
import { type ChatEvent, ChatType, nameKey } from "../../chat/protocol.ts";
import { Status } from "../../wire/frame.ts";
import { Attention } from "./attention.ts";
import { byId } from "./dom.ts";
import { FilesView } from "./files.ts";
import { RoomView, serverWords } from "./room_view.ts";
import { type EndReason, readRefusal, Session, type SessionState } from "./session.ts";
import { applyStaticText, browserLang, otherLang, pageText as text } from "./text.ts";

/** Where the chosen language is remembered, so a reload keeps the switch. */
const LANG_KEY = "chat-room-lang";
/**
 * Where the name of a login the browser keeps is remembered, so a reload joins with it. The
 * login itself (the session token) is in an `HttpOnly` cookie this script cannot read.
 */
const LOGIN_KEY = "chat-room-login";
/** Refusals after which the kept login is gone: the password is asked for again. */
const LOGIN_ENDED = new Set([
  "password-needed",
  "login-required",
  "login-failed",
  "account-banned",
]);

// ---- The parts of the page -------------------------------------------------------------------

const joinForm = byId("join", HTMLFormElement);
const nameInput = byId("name", HTMLInputElement);
const passwordInput = byId("password", HTMLInputElement);
const joinButton = byId("join-button", HTMLButtonElement);
const joinError = byId("join-error", HTMLElement);
const roomBox = byId("room", HTMLElement);
const statusLine = byId("status", HTMLElement);
const langButton = byId("lang", HTMLButtonElement);
const leaveButton = byId("leave", HTMLButtonElement);
const logoutButton = byId("logout", HTMLButtonElement);
const sendForm = byId("send", HTMLFormElement);
const textInput = byId("text", HTMLInputElement);
const sendError = byId("send-error", HTMLElement);
const targetLine = byId("target", HTMLElement);
const targetName = byId("target-name", HTMLElement);
const fileInput = byId("file-input", HTMLInputElement);

const room = new RoomView(
  {
    log: byId("log", HTMLOListElement),
    users: byId("users", HTMLUListElement),
    usersHeading: byId("users-heading", HTMLElement),
  },
  (name) => setTarget(name),
);
const files = new FilesView({
  dropZone: roomBox,
  input: fileInput,
  uploads: byId("uploads", HTMLUListElement),
  rows: byId("file-rows", HTMLTableSectionElement),
  table: byId("file-table", HTMLElement),
  empty: byId("no-files", HTMLElement),
  more: byId("more-files", HTMLElement),
}, () => session?.connection ?? null);
const attention = new Attention(byId("notify", HTMLButtonElement));

let session: Session | null = null;
/** Who a message goes to: `null` for everyone, else a name (a private message). */
let target: string | null = null;
/** The status line's words, kept as a function so a language switch can say them again. */
let statusWords: () => string = () => "";
/** The join form's error, likewise. */
let joinWords: () => string = () => "";
/** Why the last line was not sent, likewise. */
let sendWords: () => string = () => "";
/** The name being logged out, for the words shown once the page has left. */
let loggingOut: string | null = null;

// ---- Language ---------------------------------------------------------------------------------

/** Show everything in a language. */
function useLang(language: Lang): void {
  applyStaticText(document, language);
  langButton.textContent = otherLang(language).name;
  langButton.lang = otherLang(language).lang === "zh" ? "zh-CN" : "en";
  statusLine.textContent = statusWords();
  joinError.textContent = joinWords();
  sendError.textContent = sendWords();
  if (target !== null) {
    targetName.textContent = text("toPrivate", { name: target });
  }
  room.redraw();
  files.redraw();
  attention.redraw();
}

function savedLang(): Lang | null {
  try {
    const saved = localStorage.getItem(LANG_KEY);
    return isLang(saved) ? saved : null;
  } catch {
    return null; // storage refused (a private window, a policy): follow the browser
  }
}

/** The name of the login the browser keeps, if any. */
function savedLogin(): string | null {
  try {
    return localStorage.getItem(LOGIN_KEY);
  } catch {
    return null; // not remembered: the password is asked for after a reload
  }
}

/** Remember the name of a login the browser keeps, or (`null`) forget it. */
function rememberLogin(name: string | null): void {
  try {
    if (name === null) localStorage.removeItem(LOGIN_KEY);
    else localStorage.setItem(LOGIN_KEY, name);
  } catch {
    // Not remembered: a reload asks for the password.
  }
}

let language: Lang = savedLang() ??
  browserLang(navigator.languages ?? [navigator.language]);
langButton.addEventListener("click", () => {
  language = otherLang(language).lang;
  try {
    localStorage.setItem(LANG_KEY, language);
  } catch {
    // Not remembered; the switch still works for this visit.
  }
  useLang(language);
});

// ---- Joining and the connection ---------------------------------------------------------------

function say(words: () => string): void {
  statusWords = words;
  statusLine.textContent = words();
}

function showState(s: SessionState, wasJoined: boolean): void {
  switch (s.state) {
    case "connecting":
      return say(() => text("joining"));
    case "joined":
      if (s.again) room.note(() => text("reconnected", { name: s.name }));
      return say(() => text(s.again ? "reconnected" : "connected", { name: s.name }));
    case "waiting": {
      if (wasJoined) room.note(() => text("connectionLost"));
      const seconds = (s.ms / 1000).toFixed(1);
      return say(() => s.taken ? text("stillTaken") : text("reconnectIn", { seconds }));
    }
    case "reconnecting":
      return say(() => text("reconnecting"));
  }
}

function endedWords(why: EndReason): () => string {
  if (why === "unreachable") return () => text("cannotConnect");
  return () => serverWords(why.reason, why.english);
}

function startSession(name: string, password: string, resume = false): void {
  const wsUrl = `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/ws`;
  let joined = false;
  const current = new Session(wsUrl, {
    state: (s) => {
      showState(s, joined);
      joined = s.state === "joined";
    },
    joined: (welcome, again) => {
      room.joined(welcome.name, welcome.users, again);
      showRoom(true);
      logoutButton.hidden = welcome.guest !== false;
      files.joined();
      if (!again) textInput.focus();
    },
    loggedIn: (name, kept) => {
      if (kept) rememberLogin(name);
      else room.note(() => text("notKept"));
    },
    event: (event) => onEvent(event, current.name),
    ended: (why) => {
      if (session !== current) return;
      session = null;
      showRoom(false);
      const out = loggingOut;
      loggingOut = null;
      const remembered = savedLogin();
      if (
        why !== null && why !== "unreachable" && LOGIN_ENDED.has(why.reason?.code ?? "") &&
        remembered !== null && nameKey(remembered) === nameKey(current.name)
      ) {
        rememberLogin(null); // logged out elsewhere, the password changed, or banned
      }
      joinWords = out !== null
        ? () => text("loggedOut", { name: out })
        : why === null
        ? () => ""
        : endedWords(why);
      joinError.textContent = joinWords();
      say(() => "");
      joinButton.disabled = false;
      nameInput.value = current.name;
      (out === null ? nameInput : passwordInput).focus();
    },
  });
  session = current;
  joinButton.disabled = true;
  current.start(name, password, resume);
}

function onEvent(event: ChatEvent, me: string): void {
  room.show(event);
  if (event.type === "uploaded") files.refresh();
  if (event.history || (event.type !== "chat" && event.type !== "private")) {
    return;
  }
  if (nameKey(event.from) === nameKey(me)) return;
  const title = event.type === "private" ? text("notifyPrivate", { from: event.from }) : event.from;
  attention.message(title, event.text);
}

function showRoom(inRoom: boolean): void {
  roomBox.hidden = !inRoom;
  joinForm.hidden = inRoom;
  leaveButton.hidden = !inRoom;
  if (!inRoom) {
    logoutButton.hidden = true;
    setTarget(null);
  }
}

joinForm.addEventListener("submit", (e) => {
  e.preventDefault();
  if (session !== null) return;
  joinWords = () => "";
  joinError.textContent = "";
  startSession(nameInput.value, passwordInput.value);
  passwordInput.value = "";
});

leaveButton.addEventListener("click", () => session?.leave());
logoutButton.addEventListener("click", () => {
  if (session === null) return;
  loggingOut = session.name;
  rememberLogin(null);
  session.logout();
});
globalThis.addEventListener("online", () => session?.retryNow());

// ---- Sending ----------------------------------------------------------------------------------

function setTarget(name: string | null): void {
  target = name;
  targetLine.hidden = name === null;
  targetName.textContent = name === null ? "" : text("toPrivate", { name });
  if (name !== null) textInput.focus();
}

byId("target-clear", HTMLButtonElement).addEventListener("click", () => {
  setTarget(null);
  textInput.focus();
});
textInput.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && target !== null) setTarget(null);
});

function sendFailed(words: () => string): void {
  sendWords = words;
  sendError.textContent = words();
}

sendForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  const conn = session?.connection;
  const line = textInput.value;
  if (line.trim() === "") return;
  // Between connections the line stays in the box, to be sent once the page is back.
  if (!conn) return sendFailed(() => text("notSent", { why: text("lostConnection") }));
  sendFailed(() => "");
  textInput.value = "";
  const answer = target === null
    ? conn.request(ChatType.Chat, { text: line })
    : conn.request(ChatType.Private, { to: target, text: line });
  const frame = await answer.catch(() => null);
  if (frame !== null && frame.status === Status.Ok) return;
  // Not sent: say why, and give the line back to be sent again.
  if (textInput.value === "") textInput.value = line;
  const refused = frame === null ? null : readRefusal(frame);
  sendFailed(() =>
    text("notSent", {
      why: refused === null ? text("lostConnection") : serverWords(refused.reason, refused.english),
    })
  );
});

// ---- Files: the picker, and drops anywhere on the page -------------------------------------------

byId("pick", HTMLButtonElement).addEventListener(
  "click",
  () => fileInput.click(),
);
// A file dropped outside the room must not replace the page with itself.
for (const type of ["dragover", "drop"] as const) {
  document.addEventListener(type, (e) => {
    if (e.dataTransfer?.types.includes("Files")) e.preventDefault();
  });
}

// ---- Start ------------------------------------------------------------------------------------

const asked = new URLSearchParams(location.search).get("name");
const kept = savedLogin();
nameInput.value = asked ?? "";
useLang(language);
if (kept !== null && (asked === null || nameKey(asked) === nameKey(kept))) {
  // Logged in before, and the browser keeps the login: join without asking.
  nameInput.value = kept;
  startSession(kept, "", true);
} else {
  (nameInput.value === "" ? nameInput : passwordInput).focus();
}
