/**
 * The room's files on the page: drop files anywhere on the room (several at once) or pick them,
 * watch each upload's progress bar with its rate and time left, cancel one; and the list of
 * shared files with size, uploader, time and a download link. Downloads are plain HTTP
 * (`/files/NAME`), so the browser's own download manager shows progress and can resume.
 *
 * @module
 */

import { Status } from "../../wire/frame.ts";
import { formatBytes, formatSeconds } from "../../cli/units.ts";
import { ChatType, type FileInfo, parseFiles, payloadObject } from "../../chat/protocol.ts";
import type { Connection } from "./connection.ts";
import { el } from "./dom.ts";
import { serverWords } from "./room_view.ts";
import { pageText as text } from "./text.ts";
import { UploadFailed, uploadFile, type UploadProgress } from "./upload.ts";

/** The parts of index.html this view fills. */
export interface FilesParts {
  /** Where files may be dropped: the whole room. */
  dropZone: HTMLElement;
  /** The picker, `<input type="file" multiple>`. */
  input: HTMLInputElement;
  /** One line per upload. */
  uploads: HTMLUListElement;
  /** The shared files' rows. */
  rows: HTMLTableSectionElement;
  /** The table, hidden while there are no files. */
  table: HTMLElement;
  /** Shown instead of the table when there are none. */
  empty: HTMLElement;
  /** Says how many the server left out of a long list. */
  more: HTMLElement;
}

/** Finished uploads left on the page; older lines go. */
const KEEP_FINISHED = 20;
/** Least time between two redraws of a progress line: smooth, yet cheap during a fast upload. */
const PROGRESS_EVERY_MS = 200;

/** One upload on the page. */
interface Job {
  file: File;
  li: HTMLLIElement;
  bar: HTMLProgressElement;
  status: HTMLSpanElement;
  cancel: HTMLButtonElement;
  abort: AbortController;
  /** Makes the status text again, in the current language. */
  words: () => string;
  state: "waiting" | "active" | "finished";
}

/** The uploads and the file list. */
export class FilesView {
  readonly #parts: FilesParts;
  readonly #connection: () => Connection | null;
  readonly #queue: Job[] = [];
  readonly #finished: Job[] = [];
  #running = false;
  #wake: (() => void) | null = null;
  #files: FileInfo[] = [];
  #more = 0;
  #listing = false;
  #listAgain = false;

  /**
   * @param parts Where to draw.
   * @param connection The joined connection, or `null` while there is none.
   */
  constructor(parts: FilesParts, connection: () => Connection | null) {
    this.#parts = parts;
    this.#connection = connection;
    parts.input.addEventListener("change", () => {
      this.add([...parts.input.files ?? []]);
      parts.input.value = ""; // the same file may be picked again
    });
    const zone = parts.dropZone;
    zone.addEventListener("dragover", (e) => {
      if (!e.dataTransfer?.types.includes("Files")) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = "copy";
      zone.classList.add("dragging");
    });
    zone.addEventListener("dragleave", (e) => {
      // Moving between the room's own elements is not leaving it.
      if (!zone.contains(e.relatedTarget as Node | null)) zone.classList.remove("dragging");
    });
    zone.addEventListener("drop", (e) => {
      zone.classList.remove("dragging");
      if (!e.dataTransfer?.files.length) return;
      e.preventDefault();
      this.add([...e.dataTransfer.files]);
    });
  }

  /**
   * Queue files for upload, one after another.
   *
   * @param files The files dropped or picked.
   */
  add(files: readonly File[]): void {
    for (const file of files) {
      const bar = el("progress", { attrs: { max: "1", value: "0" } });
      const status = el("span", { className: "status" });
      const cancel = el("button", {
        className: "cancel",
        text: "✕",
        attrs: {
          type: "button",
          "aria-label": text("cancelUpload", { name: file.name }),
        },
      });
      const li = el(
        "li",
        {},
        el("span", { className: "name", text: file.name }),
        bar,
        status,
      );
      li.append(cancel);
      const job: Job = {
        file,
        li,
        bar,
        status,
        cancel,
        abort: new AbortController(),
        words: () => text("uploadWaiting"),
        state: "waiting",
      };
      bar.setAttribute("aria-label", file.name);
      cancel.addEventListener("click", () => this.#cancel(job));
      this.#say(job, () => text("uploadWaiting"));
      this.#parts.uploads.append(li);
      this.#queue.push(job);
    }
    this.#run();
  }

  /** The connection is back (or new): queued uploads may go on, and the list is fetched. */
  joined(): void {
    this.#wake?.();
    this.refresh();
  }

  /** Show the page's own words again in the current language. */
  redraw(): void {
    for (const job of [...this.#queue, ...this.#finished]) {
      job.status.textContent = job.words();
      job.cancel.setAttribute(
        "aria-label",
        text("cancelUpload", { name: job.file.name }),
      );
    }
    this.#drawList();
  }

  /** Ask the server for the file list (`F`) and show it; asks again if asked meanwhile. */
  async refresh(): Promise<void> {
    if (this.#listing) {
      this.#listAgain = true;
      return;
    }
    this.#listing = true;
    try {
      do {
        this.#listAgain = false;
        const conn = this.#connection();
        if (!conn) return;
        const answer = await conn.request(ChatType.Files).catch(() => null);
        if (answer === null || answer.status !== Status.Ok) return;
        try {
          this.#files = parseFiles(answer);
          const more = payloadObject(answer).more;
          this.#more = typeof more === "number" ? more : 0;
        } catch {
          return; // a list this page cannot read: keep showing the last one
        }
        this.#drawList();
      } while (this.#listAgain);
    } finally {
      this.#listing = false;
    }
  }

  #drawList(): void {
    const { rows, table, empty, more } = this.#parts;
    empty.hidden = this.#files.length > 0;
    table.hidden = this.#files.length === 0;
    more.hidden = this.#more === 0;
    more.textContent = text("moreFiles", { n: this.#more });
    rows.replaceChildren(...this.#files.map((f) => {
      const link = el("a", {
        text: f.name,
        attrs: {
          href: `/files/${encodeURIComponent(f.name)}`,
          download: f.name,
        },
      });
      return el(
        "tr",
        {},
        el("td", {}, link),
        el("td", { className: "size", text: formatBytes(f.size) }),
        el("td", { text: f.uploader ?? text("uploaderUnknown") }),
        el("td", {}, el("time", { text: f.time, attrs: { datetime: f.time } })),
      );
    }));
  }

  #say(job: Job, words: () => string): void {
    job.words = words;
    job.status.textContent = words();
  }

  #cancel(job: Job): void {
    if (job.state === "active") return job.abort.abort();
    if (job.state === "waiting") {
      this.#queue.splice(this.#queue.indexOf(job), 1);
      this.#finish(job, () => text("uploadCancelled"), "cancelled");
    }
  }

  #finish(
    job: Job,
    words: () => string,
    how: "done" | "cancelled" | "failed",
  ): void {
    job.state = "finished";
    job.cancel.remove();
    job.li.classList.add(how);
    this.#say(job, words);
    this.#finished.push(job);
    while (this.#finished.length > KEEP_FINISHED) {
      this.#finished.shift()!.li.remove();
    }
  }

  async #run(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const conn = this.#connection();
        if (conn === null) {
          await new Promise<void>((resolve) => this.#wake = resolve);
          continue;
        }
        await this.#upload(conn, this.#queue[0]);
        this.#queue.shift();
      }
    } finally {
      this.#running = false;
      this.#wake = null;
    }
  }

  async #upload(conn: Connection, job: Job): Promise<void> {
    job.state = "active";
    job.li.classList.add("active");
    this.#say(job, () => text("uploadStarting"));
    let shown = 0;
    const progress = (p: UploadProgress) => {
      const now = performance.now();
      if (now - shown < PROGRESS_EVERY_MS && p.done < p.total) return;
      shown = now;
      job.bar.value = p.total === 0 ? 1 : p.done / p.total;
      const rate = p.elapsedMs > 0 ? p.done / (p.elapsedMs / 1000) : 0;
      const left = rate > 0 ? formatSeconds((p.total - p.done) / rate) : "?";
      const values = {
        done: formatBytes(p.done),
        total: formatBytes(p.total),
        rate: formatBytes(rate),
        left,
      };
      this.#say(
        job,
        () => p.done < p.total ? text("uploadProgress", values) : text("uploadChecking"),
      );
    };
    try {
      const stored = await uploadFile(
        conn,
        job.file,
        job.abort.signal,
        progress,
      );
      job.bar.value = 1;
      this.#finish(
        job,
        () => text("uploadDone", { name: stored.name }),
        "done",
      );
    } catch (err) {
      if (err instanceof UploadFailed && err.kind === "cancelled") {
        this.#finish(job, () => text("uploadCancelled"), "cancelled");
      } else {
        const why = () =>
          err instanceof UploadFailed && err.kind === "refused"
            ? serverWords(err.reason, err.message)
            : text("lostConnection");
        this.#finish(job, () => text("uploadFailed", { why: why() }), "failed");
      }
    }
  }
}
