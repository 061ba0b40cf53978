/**
 * File transfers in the chat room: an upload arrives as data chunks named by the id of the
 * request that started it, a download goes out the same way, and either side may cancel.
 *
 * @module
 */

import { join } from "node:path";
import { statfsSync } from "node:fs";
import { encodeHeader, Status } from "../wire/frame.ts";
import {
  type ChunkSource,
  DEFAULT_CHUNK_SIZE,
  FileReceiver,
  IntegrityError,
  isTempName,
  openChunks,
  safeName,
} from "../files/file_chunk.ts";
import { errorMessage } from "../cli/cli.ts";
import { formatBytes } from "../cli/units.ts";
import {
  ChatError,
  ChatType,
  indication,
  payloadObject,
  reply,
  sizeField,
  stringField,
} from "./protocol.ts";
import { english, isDiskFull, reason, reasonError, reasonOf } from "./reason.ts";
import { chatText as text } from "./text.ts";
import type { Handler } from "./handlers.ts";
import type { Room } from "./room.ts";
import type { Session } from "./session.ts";

/** `U`: start an upload into a temporary file, refused up front when too large. */
export const upload: Handler = async (room, session, req) => {
  const obj = payloadObject(req);
  const name = stringField(obj, "name");
  const size = sizeField(obj, "size");
  const { maxFileSize, storage } = room.settings;
  if (size > maxFileSize) {
    const [shown, limit] = [formatBytes(size), formatBytes(maxFileSize)];
    throw new ChatError(Status.TooLarge, reason("file-too-large", { name, size: shown, limit }));
  }
  checkIdFree(session, req.id);
  checkRoomFor(room, session.name!, name, size);
  let rx: FileReceiver;
  try {
    rx = await FileReceiver.open(storage, name, size);
  } catch (err) {
    // An unsafe name is a TypeError with its reason: refused as a bad payload.
    throw err;
  }
  session.uploads.set(req.id, { rx, started: Date.now() });
  room.deliver(session, reply(req, { name: rx.name }));
  room.say(text("logUploading", { name: session.label, file: rx.name, size: formatBytes(size) }));
};

/** `E`: check the upload's SHA-256, store it under its name, and tell everyone. */
export const endUpload: Handler = async (room, session, req) => {
  const upload = session.uploads.get(req.id);
  if (upload === undefined) {
    throw new ChatError(Status.NotFound, reason("no-such-upload", { id: req.id }));
  }
  session.uploads.delete(req.id);
  const sha256 = stringField(payloadObject(req), "sha256");
  let stored: string;
  try {
    stored = await upload.rx.finish(sha256); // on failure it removes the temporary file
  } catch (err) {
    const [name, file, why] = [session.label, upload.rx.name, errorMessage(err)];
    room.say(text("logUploadFailed", { name, file, why }));
    const said = reasonOf(err);
    if (err instanceof IntegrityError && said) throw new ChatError(Status.Integrity, said);
    throw err;
  }
  const size = upload.rx.size;
  const from = session.name!;
  room.files.remember(stored, { uploader: from, at: new Date(), size, sha256 });
  room.deliver(session, reply(req, { name: stored, size }));
  await room.announce(
    { kind: "upload", from, text: stored, extra: { size } },
    (time) => indication(ChatType.Upload, { time, from, name: stored, size }),
  );
  const seconds = ((Date.now() - upload.started) / 1000).toFixed(1);
  const shown = formatBytes(size);
  room.say(text("logUploaded", { name: session.label, file: stored, size: shown, seconds }));
};

/** `G`: start a download; its chunks go out in the background, at the member's pace. */
export const download: Handler = async (room, session, req) => {
  const name = stringField(payloadObject(req), "name");
  const path = await findFile(room.settings.storage, name);
  if (path === null) {
    throw new ChatError(Status.NotFound, reason("no-such-file", { name }));
  }
  checkIdFree(session, req.id);
  const source = await openChunks(path);
  const transfer = { cancelled: false };
  session.downloads.set(req.id, transfer);
  room.deliver(session, reply(req, { name, size: source.size }));
  const size = formatBytes(source.size);
  room.say(text("logDownloading", { name: session.label, file: name, size }));
  session.track(sendFile(room, session, req.id, source, transfer));
};

/** `D` indication: a chunk of an upload. A failed write cancels the upload, not the member. */
export const receiveChunk: Handler = async (room, session, frame) => {
  const upload = session.uploads.get(frame.id);
  if (upload === undefined) return; // cancelled or refused: the rest of its chunks are dropped
  try {
    const bytes = frame.payload.length;
    if (bytes > DEFAULT_CHUNK_SIZE) {
      throw reasonError(RangeError, "chunk-too-large", { bytes, limit: DEFAULT_CHUNK_SIZE });
    }
    await upload.rx.write(frame.payload);
  } catch (err) {
    session.uploads.delete(frame.id);
    await upload.rx.abort();
    room.deliver(session, cancelFrame(err, frame.id));
    const [name, file, why] = [session.label, upload.rx.name, errorMessage(err)];
    room.say(text("logUploadFailed", { name, file, why }));
  }
};

/** `X` indication: the member abandons a transfer, either way. */
export const cancel: Handler = async (room, session, frame) => {
  const upload = session.uploads.get(frame.id);
  if (upload !== undefined) {
    session.uploads.delete(frame.id);
    await upload.rx.abort();
    room.say(text("logUploadCancelled", { name: session.label, file: upload.rx.name }));
  }
  const download = session.downloads.get(frame.id);
  if (download !== undefined) download.cancelled = true;
};

/** Keep this much of the storage folder's disk free when `--max-storage` is not given. */
export const KEEP_FREE_BYTES = 1024 ** 3;

/**
 * Refuse an upload up front when storing it would pass a limit: the uploader's quota, the
 * room's total, or (by default) the last GiB of free disk. Uploads in progress count as stored,
 * so several at once cannot slip past together.
 */
function checkRoomFor(room: Room, uploader: string, name: string, size: number): void {
  const { userQuotaBytes, maxStorageBytes, storage } = room.settings;
  const inProgress = (owner?: Session) =>
    [...room.sessions].filter((s) => owner === undefined || s === owner)
      .flatMap((s) => [...s.uploads.values()]).reduce((sum, u) => sum + u.rx.size, 0);
  const shown = formatBytes(size);
  if (userQuotaBytes !== undefined) {
    const used = room.files.storedBytes(uploader) + inProgress(room.find(uploader));
    if (used + size > userQuotaBytes) {
      const [usedShown, quota] = [formatBytes(used), formatBytes(userQuotaBytes)];
      throw new ChatError(
        Status.TooLarge,
        reason("over-quota", { name, size: shown, used: usedShown, quota }),
      );
    }
  }
  const stored = room.files.storedBytes() + inProgress();
  if (maxStorageBytes !== undefined && stored + size > maxStorageBytes) {
    const [free, limit] = [
      formatBytes(Math.max(0, maxStorageBytes - stored)),
      formatBytes(maxStorageBytes),
    ];
    throw new ChatError(
      Status.TooLarge,
      reason("storage-full", { name, size: shown, free, limit }),
    );
  }
  if (maxStorageBytes === undefined) {
    const disk = freeBytes(storage) - inProgress();
    if (disk - size < KEEP_FREE_BYTES) {
      throw new ChatError(
        Status.TooLarge,
        reason("disk-low", { name, size: shown, free: formatBytes(Math.max(0, disk)) }),
      );
    }
  }
}

/** Bytes free for us on the storage folder's disk (Infinity when the system will not say). */
function freeBytes(folder: string): number {
  try {
    const { bavail, bsize } = statfsSync(folder);
    return Number(bavail) * Number(bsize);
  } catch {
    return Infinity;
  }
}

function checkIdFree(session: Session, id: number): void {
  if (session.uploads.has(id) || session.downloads.has(id)) {
    throw new ChatError(Status.BadState, reason("id-in-use", { id }));
  }
}

/**
 * The `X` that abandons a transfer: `{ error }` in English, with the code and values when the
 * failure is one of ours (too large, a size or SHA-256 mismatch), for the client to word.
 */
function cancelFrame(err: unknown, id: number) {
  // A disk that filled up mid-upload: said as such, and the partial file is already gone.
  const said = reasonOf(err) ?? (isDiskFull(err) ? reason("disk-full") : null);
  const payload = said ? { error: english(said), ...said } : { error: errorMessage(err) };
  return indication(ChatType.Cancel, payload, { id });
}

/**
 * Stream a file to one member: each chunk waits for room in the member's small window, so the
 * download runs at the member's pace and its chat lines go out between chunks.
 */
async function sendFile(
  room: Room,
  session: Session,
  id: number,
  source: ChunkSource,
  transfer: { cancelled: boolean },
): Promise<void> {
  try {
    for await (const chunk of source) {
      if (transfer.cancelled) break; // leaving the loop closes the file
      // The header apart from the chunk, which goes out from the file's buffer as it is.
      const header = encodeHeader(indication(ChatType.Data, chunk, { id }));
      await session.member.sendChunk(header, chunk);
    }
    const [name, file] = [session.label, source.name];
    if (transfer.cancelled) {
      room.say(text("logDownloadStopped", { name, file }));
      return;
    }
    room.deliver(session, indication(ChatType.End, { sha256: source.sha256() }, { id }));
    room.say(text("logDownloaded", { name, file }));
  } catch (err) {
    room.deliver(session, cancelFrame(err, id));
    const why = errorMessage(err);
    room.say(text("logDownloadFailed", { name: session.label, file: source.name, why }));
  } finally {
    session.downloads.delete(id);
  }
}

/**
 * The path of a stored file, or `null`. Only names that are already safe are looked up, so a
 * request can never reach outside the folder or see a transfer in progress.
 */
async function findFile(storage: string, name: string): Promise<string | null> {
  let safe: string;
  try {
    safe = safeName(name);
  } catch {
    return null;
  }
  if (safe !== name || isTempName(name)) return null;
  const path = join(storage, name);
  const stat = await Deno.stat(path).catch(() => null);
  return stat?.isFile ? path : null;
}
