/**
 * Shared set-up for the chat tests: a temporary folder, the real server on an ephemeral port
 * with that folder as its working directory, and real clients beside it.
 *
 * @module
 */

import { join } from "node:path";
import { cliText } from "../lib/cli/text.ts";
import { linePattern } from "../programs/chat/chat_demo.ts";
import { Program } from "./_task.ts";

/** The environment that starts a program in Chinese (the tests start them in English). */
export const CHINESE: Record<string, string> = { LANG: "zh_CN.UTF-8" };

/** A temporary folder removed with everything in it when disposed. */
export interface TempDir extends AsyncDisposable {
  path: string;
}

/**
 * Make a temporary folder.
 *
 * @returns The folder, removed on dispose.
 */
export async function tempDir(): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix: "chat_test_" });
  return {
    path,
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
    },
  };
}

/** The server's storage folder inside a test's folder. */
export function serverStorage(dir: TempDir): string {
  return join(dir.path, "storage", "server");
}

/** The client's downloads folder inside a test's folder. */
export function downloadsDir(dir: TempDir): string {
  return join(dir.path, "storage", "downloads");
}

/**
 * Start `chat-server` on port 0 in the test's folder.
 *
 * @param dir The folder, its working directory.
 * @param args Extra flags.
 * @param env Extra environment, such as {@linkcode CHINESE}.
 * @returns The program and its port.
 */
export async function startServer(
  dir: TempDir,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<{ server: Program; port: number }> {
  const server = new Program("chat-server", ["--port", "0", ...args], {
    cwd: dir.path,
    stdin: "piped",
    env,
  });
  // "Listening on 127.0.0.1:PORT", in whichever language the server speaks.
  const listening = await server.waitFor(cliText.pattern("listening"));
  return { server, port: Number(listening.groups!.address.replace(/.*:/, "")) };
}

/**
 * Start `chat-client` joined as `name`, and wait until it has joined.
 *
 * @param dir The folder, its working directory (downloads land there).
 * @param port The server's port.
 * @param name The user name.
 * @param args Extra flags.
 * @param env Extra environment, such as {@linkcode CHINESE}.
 * @returns The program, with stdin open for typing.
 */
export async function startClient(
  dir: TempDir,
  port: number,
  name: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<Program> {
  const client = new Program("chat-client", ["--port", String(port), "--name", name, ...args], {
    cwd: dir.path,
    stdin: "piped",
    env,
  });
  await client.waitFor(linePattern("welcome", { name }));
  return client;
}

/** Escape text for use inside a RegExp. */
export function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The chat-line pattern: the server's time, the sender, the text. */
export function chatLine(from: string, text: string): RegExp {
  return new RegExp(
    `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d ${literal(from)}: ${literal(text)}$`,
  );
}
