/**
 * The web page's files as they are served: built once, when the server starts, from the files
 * lib/web/page_assets.ts imports into the program (so the page needs no folder to read), and held
 * in memory. TypeScript goes to the browser with its types stripped (`stripTypeScriptTypes`,
 * node:module), so the page needs no build step.
 *
 * What the page is made of is decided by its files on disk: everything in lib/web/page/, and the
 * modules its scripts import from the rest of lib/, found by following their import specifiers
 * ({@linkcode scanPage}). The test that compares the two keeps page_assets.ts complete.
 *
 * @module
 */

import { stripTypeScriptTypes } from "node:module";
import { join, posix } from "node:path";
import { PAGE_ASSETS, type PageAsset } from "./page_assets.ts";

/** The page's address in the browser, and the file it is. */
export const INDEX_PATH = "/lib/web/page/index.html";
/** The page's folder, as the browser sees it. */
const PAGE_PATH = "/lib/web/page/";

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
 * Make the served files: each `.ts` stripped of its types, each with its `Content-Type`.
 *
 * @param assets The files by browser path (the page's own by default).
 * @returns The files by path.
 * @throws {Error} When a file is of a type never served, when its types cannot be stripped (an
 *   enum, a namespace: TypeScript that is not only erasable types), or when a script imports a
 *   module of lib/ that `assets` does not have; the message names the file.
 */
export function buildPage(
  assets: Readonly<Record<string, PageAsset>> = PAGE_ASSETS,
): PageFiles {
  const files = new Map<string, PageFile>();
  const sources = new Map<string, string>();
  for (const [path, content] of Object.entries(assets)) {
    const ext = posix.extname(path);
    const type = CONTENT_TYPES[ext];
    if (type === undefined) throw new Error(`${path.slice(1)}: not a type the page may serve`);
    if (typeof content !== "string") {
      files.set(path, { body: content, type });
      continue;
    }
    let code = content;
    if (ext === ".ts") {
      try {
        code = stripTypeScriptTypes(content, { mode: "strip" });
      } catch (err) {
        throw new Error(`${path.slice(1)}: ${firstLine(err)}`);
      }
    }
    sources.set(path, code);
    files.set(path, { body: new TextEncoder().encode(code), type });
  }
  // A forgotten line in page_assets.ts would be a page that fails in the browser: say so now.
  for (const [path, code] of sources) {
    for (const target of linksOf(path, code)) {
      if (!files.has(target)) {
        throw new Error(
          `${path.slice(1)} imports ${target.slice(1)}, which lib/web/page_assets.ts does not list`,
        );
      }
    }
  }
  return files;
}

/**
 * Find what the page is made of on disk: the files under lib/web/page/ with a type in
 * {@linkcode CONTENT_TYPES} (dot files and dot folders left out), and the `.ts` and `.js`
 * modules they import from lib/, transitively. This is what lib/web/page_assets.ts must list.
 *
 * @param libDir The lib/ folder to look in.
 * @returns The browser paths (`/lib/web/page/main.ts`), sorted.
 * @throws {Error} When a file cannot be read or its types cannot be stripped, naming it.
 */
export async function scanPage(libDir: string): Promise<string[]> {
  const found = new Set<string>();
  const toFollow: string[] = [];
  const pageDir = join(libDir, ...PAGE_PATH.split("/").slice(2));
  for (const path of await listFiles(pageDir)) {
    const inside = path.slice(pageDir.length + 1).split(/[\\/]/).join("/");
    if (CONTENT_TYPES[posix.extname(inside)] !== undefined) toFollow.push(PAGE_PATH + inside);
  }
  while (toFollow.length > 0) {
    const path = toFollow.pop()!;
    if (found.has(path)) continue;
    found.add(path);
    const ext = posix.extname(path);
    if (ext !== ".ts" && ext !== ".js" && ext !== ".html") continue;
    let code: string;
    try {
      code = await Deno.readTextFile(join(libDir, ...path.split("/").slice(2)));
      if (ext === ".ts") code = stripTypeScriptTypes(code, { mode: "strip" });
    } catch (err) {
      throw new Error(`${path.slice(1)}: ${firstLine(err)}`);
    }
    toFollow.push(...linksOf(path, code));
  }
  return [...found].sort();
}

/**
 * The modules of lib/ a served file makes the browser load.
 *
 * @param path The file's browser path.
 * @param code Its code: JavaScript (types already stripped) or HTML.
 * @returns Their browser paths.
 */
function linksOf(path: string, code: string): string[] {
  const ext = posix.extname(path);
  if (ext !== ".ts" && ext !== ".js" && ext !== ".html") return [];
  const out: string[] = [];
  for (const specifier of importsOf(code, ext === ".html")) {
    const target = resolveImport(path, specifier);
    if (target !== null) out.push(target);
  }
  return out;
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
 * @param from The importing file's browser path.
 * @param specifier What it imports: relative (`./x.ts`), or a path from the site's root
 *   (`/lib/x.ts`); anything else (`npm:`, a URL) is not ours to serve.
 * @returns The module's browser path, or `null`.
 *
 * @example
 * ```ts
 * import { equal } from "node:assert/strict";
 * equal(resolveImport("/lib/web/page/main.ts", "../../chat/text.ts"), "/lib/chat/text.ts");
 * equal(resolveImport("/lib/web/page/main.ts", "../../../deno.json"), null);
 * ```
 */
export function resolveImport(from: string, specifier: string): string | null {
  const clean = specifier.split(/[?#]/)[0];
  const ext = posix.extname(clean);
  if (ext !== ".ts" && ext !== ".js") return null;
  let path: string;
  if (clean.startsWith("./") || clean.startsWith("../")) {
    path = posix.join(posix.dirname(from), clean);
  } else if (clean.startsWith("/lib/")) {
    path = posix.normalize(clean);
  } else {
    return null;
  }
  return path.startsWith("/lib/") ? path : null;
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

/** An error's first line. */
function firstLine(err: unknown): string {
  return err instanceof Error ? err.message.split("\n")[0] : String(err);
}
