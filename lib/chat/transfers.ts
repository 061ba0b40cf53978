/**
 * File transfers in the chat room: an upload arrives as data chunks named by the id of the
 * request that started it, a download goes out the same way, and either side may cancel.
 *
 * @module
 */

import { join } from "node:path";
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
import { formatTimestamp } from "../cli/timestamp.ts";
import { formatBytes } from "../cli/units.ts";
import {
  ChatError,
  ChatType,
  indication,
  payloadObject,
  printable,
  reply,
  sizeField,
  stringField,
} from "./protocol.ts";
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
    throw new ChatError(
      Status.TooLarge,
      `"${printable(name)}" is ${formatBytes(size)}; the server accepts files up to ` +
        formatBytes(maxFileSize),
    );
  }
  checkIdFree(session, req.id);
  let rx: FileReceiver;
  try {
    rx = await FileReceiver.open(storage, name, size);
  } catch (err) {
    if (err instanceof TypeError) {
      throw new ChatError(Status.BadPayload, `Unsafe file name ${JSON.stringify(name)}`);
    }
    throw err;
  }
  session.uploads.set(req.id, { rx, started: Date.now() });
  room.deliver(session, reply(req, { name: rx.name }));
  room.say(`${session.name} is uploading "${rx.name}" (${formatBytes(size)})`);
};

/** `E`: check the upload's SHA-256, store it under its name, and tell everyone. */
export const endUpload: Handler = async (room, session, req) => {
  const upload = session.uploads.get(req.id);
  if (upload === undefined) {
    throw new ChatError(Status.NotFound, `No upload with id ${req.id} in progress`);
  }
  session.uploads.delete(req.id);
  const sha256 = stringField(payloadObject(req), "sha256");
  let stored: string;
  try {
    stored = await upload.rx.finish(sha256); // on failure it removes the temporary file
  } catch (err) {
    room.say(`${session.name}'s upload of "${upload.rx.name}" failed: ${errorMessage(err)}`);
    if (err instanceof IntegrityError) throw new ChatError(Status.Integrity, err.message);
    throw err;
  }
  const time = formatTimestamp();
  room.files.remember(stored, { uploader: session.name!, time });
  const size = upload.rx.size;
  room.deliver(session, reply(req, { name: stored, size }));
  room.broadcast(indication(ChatType.Upload, { time, from: session.name, name: stored, size }));
  const seconds = ((Date.now() - upload.started) / 1000).toFixed(1);
  room.say(`${session.name} uploaded "${stored}" (${formatBytes(size)} in ${seconds} s)`);
};

/** `G`: start a download; its chunks go out in the background, at the member's pace. */
export const download: Handler = async (room, session, req) => {
  const name = stringField(payloadObject(req), "name");
  const path = await findFile(room.settings.storage, name);
  if (path === null) {
    throw new ChatError(Status.NotFound, `No file "${printable(name)}" on the server`);
  }
  checkIdFree(session, req.id);
  const source = await openChunks(path);
  const transfer = { cancelled: false };
  session.downloads.set(req.id, transfer);
  room.deliver(session, reply(req, { name, size: source.size }));
  room.say(`${session.name} is downloading "${name}" (${formatBytes(source.size)})`);
  session.track(sendFile(room, session, req.id, source, transfer));
};

/** `D` indication: a chunk of an upload. A failed write cancels the upload, not the member. */
export const receiveChunk: Handler = async (room, session, frame) => {
  const upload = session.uploads.get(frame.id);
  if (upload === undefined) return; // cancelled or refused: the rest of its chunks are dropped
  try {
    if (frame.payload.length > DEFAULT_CHUNK_SIZE) {
      throw new RangeError(
        `A chunk of ${frame.payload.length} bytes; the limit is ${DEFAULT_CHUNK_SIZE}`,
      );
    }
    await upload.rx.write(frame.payload);
  } catch (err) {
    session.uploads.delete(frame.id);
    await upload.rx.abort();
    room.deliver(
      session,
      indication(ChatType.Cancel, { error: errorMessage(err) }, { id: frame.id }),
    );
    room.say(`${session.label}'s upload of "${upload.rx.name}" failed: ${errorMessage(err)}`);
  }
};

/** `X` indication: the member abandons a transfer, either way. */
export const cancel: Handler = async (room, session, frame) => {
  const upload = session.uploads.get(frame.id);
  if (upload !== undefined) {
    session.uploads.delete(frame.id);
    await upload.rx.abort();
    room.say(`${session.label} cancelled the upload of "${upload.rx.name}"`);
  }
  const download = session.downloads.get(frame.id);
  if (download !== undefined) download.cancelled = true;
};

function checkIdFree(session: Session, id: number): void {
  if (session.uploads.has(id) || session.downloads.has(id)) {
    throw new ChatError(Status.BadState, `Transfer id ${id} is already in use`);
  }
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
    if (transfer.cancelled) {
      room.say(`${session.label}'s download of "${source.name}" stopped`);
      return;
    }
    room.deliver(session, indication(ChatType.End, { sha256: source.sha256() }, { id }));
    room.say(`${session.label} downloaded "${source.name}"`);
  } catch (err) {
    room.deliver(session, indication(ChatType.Cancel, { error: errorMessage(err) }, { id }));
    room.say(`${session.label}'s download of "${source.name}" failed: ${errorMessage(err)}`);
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
