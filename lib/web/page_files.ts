/**
 * The web page's files, read once when the server starts and served from memory: everything
 * in lib/web/page/, and the modules its scripts import from the rest of lib/, found by
 * following their import specifiers. TypeScript goes to the browser with its types stripped
 * (`stripTypeScriptTypes`, node:module), so the page needs no build step.
 *
 * @module
 */

import { stripTypeScriptTypes } from "node:module";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** lib/, the folder every served path starts in (`/lib/...` in the browser). */
export const LIB_DIR: string = fileURLToPath(new URL("../", import.meta.url));
/** The page's own folder. */
export const PAGE_DIR: string = join(LIB_DIR, "web", "page");
/** The page's address in the browser, and the file it is. */
export const INDEX_PATH = "/lib/web/page/index.html";

/** What each kind of file is served as; a file of any other kind is never served. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".ts": "text/javascript; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** One file as it is served. */
export interface PageFile {
  /** The bytes sent: a `.ts` file already stripped of its types. */
  body: Uint8Array<ArrayBuffer>;
  /** Its `Content-Type`. */
  type: string;
}

/** The served files, by the path the browser asks for (`/lib/web/page/main.ts`). */
export type PageFiles = ReadonlyMap<string, PageFile>;

/**
 * Import specifiers in JavaScript: `from "x"`, `import "x"` and `import("x")`. Looked for in
 * stripped code, so a type-only import (which the browser never fetches) is not followed; a
 * match inside a comment or a string only adds a file of lib/ that is never asked for.
 */
const IMPORT_RE = /\bfrom\s*(["'])([^"'\n]+)\1|\bimport\s*(?:\(\s*)?(["'])([^"'\n]+)\3/g;
/** Scripts an HTML page loads: `src` and `href` attributes. */
const HTML_LINK_RE = /\b(?:src|href)\s*=\s*(["'])([^"'\n]+)\1/gi;

/**
 * Read the page and its modules.
 *
 * @remarks
 * Only what can be run or shown is served: files under lib/web/page/ with a type in
 * {@linkcode CONTENT_TYPES} (dot files left out), and the `.ts` and `.js` modules they import
 * from lib/, transitively. Nothing outside lib/ is ever read.
 *
 * @param libDir lib/ (for tests; the real one by default).
 * @returns The files by path; none when lib/web/page/ does not exist.
 * @throws {Error} When a module cannot be read or its types cannot be stripped (an enum, a
 *   namespace: TypeScript that is not only erasable types), naming the file.
 */
export async function loadPage(libDir: string = LIB_DIR): Promise<PageFiles> {
  const files = new Map<string, PageFile>();
  const toFollow: string[] = [];
  const pageDir = join(libDir, "web", "page");
  for (const path of await listFiles(pageDir)) {
    if (CONTENT_TYPES[extname(path)] !== undefined) toFollow.push(path);
  }
  while (toFollow.length > 0) {
    const path = toFollow.pop()!;
    const url = browserPath(libDir, path);
    if (url === null || files.has(url)) continue;
    const ext = extname(path);
    let body: Uint8Array<ArrayBuffer>;
    try {
      body = await Deno.readFile(path);
      if (ext === ".ts") {
        const code = new TextDecoder().decode(body);
        body = new TextEncoder().encode(stripTypeScriptTypes(code, { mode: "strip" }));
      }
    } catch (err) {
      const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
      throw new Error(`${relative(join(libDir, ".."), path)}: ${why}`);
    }
    files.set(url, { body, type: CONTENT_TYPES[ext] });
    if (ext === ".ts" || ext === ".js" || ext === ".html") {
      for (const found of importsOf(new TextDecoder().decode(body), ext === ".html")) {
        const target = resolveImport(libDir, path, found);
        if (target !== null) toFollow.push(target);
      }
    }
  }
  return files;
}

/**
 * The module specifiers in a script, or the scripts a page links to.
 *
 * @param code JavaScript (types already stripped) or HTML.
 * @param html Whether `code` is HTML.
 * @returns The specifiers, as written.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * const code = 'import { a } from "./a.ts";\nexport * from "../b.ts";\nawait import("./c.ts");';
 * deepStrictEqual(importsOf(code, false), ["./a.ts", "../b.ts", "./c.ts"]);
 * deepStrictEqual(importsOf('<script type="module" src="/lib/x.ts"></script>', true), ["/lib/x.ts"]);
 * ```
 */
export function importsOf(code: string, html: boolean): string[] {
  if (html) return [...code.matchAll(HTML_LINK_RE)].map((m) => m[2]);
  return [...code.matchAll(IMPORT_RE)].map((m) => m[2] ?? m[4]);
}

/**
 * Where an import leads, if it is a module of lib/ the browser may load.
 *
 * @param libDir lib/.
 * @param from The importing file.
 * @param specifier What it imports: relative (`./x.ts`), or a path from the site's root
 *   (`/lib/x.ts`); anything else (`npm:`, a URL) is not ours to serve.
 * @returns The file, or `null`.
 */
function resolveImport(libDir: string, from: string, specifier: string): string | null {
  const clean = specifier.split(/[?#]/)[0];
  const ext = extname(clean);
  if (ext !== ".ts" && ext !== ".js") return null;
  let path: string;
  if (clean.startsWith("./") || clean.startsWith("../")) {
    path = join(from, "..", clean);
  } else if (clean.startsWith("/lib/")) {
    path = join(libDir, clean.slice("/lib/".length));
  } else {
    return null;
  }
  return browserPath(libDir, path) === null ? null : path;
}

/** The path the browser asks for a file by, or `null` for a file outside lib/. */
function browserPath(libDir: string, path: string): string | null {
  const inside = relative(libDir, path);
  if (inside === "" || inside.startsWith("..") || inside.includes(`..${sep}`)) return null;
  return `/lib/${inside.split(sep).join("/")}`;
}

/** Every file under a folder (not dot files, nor inside dot folders); none if it is missing. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name.startsWith(".")) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory) out.push(...await listFiles(path));
      else if (entry.isFile) out.push(path);
    }
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return out;
    throw err;
  }
  return out;
}

/**
 * Whether this process may read the page: a task run from the project's folder may; one
 * started elsewhere with the same relative `--allow-read` may not.
 *
 * @param libDir lib/.
 * @returns Whether lib/ may be read.
 */
export function mayReadPage(libDir: string = LIB_DIR): boolean {
  return Deno.permissions.querySync({ name: "read", path: libDir }).state === "granted";
}
