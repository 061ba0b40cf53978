/**
 * Every file the web page is made of, part of the server's own module graph: imported here as
 * text (`with { type: "text" }`), so the server serves the page from whatever folder it runs
 * in, with no permission to read lib/, and `deno compile` puts the page inside the executable.
 * Text imports need no flag since Deno 2.8. A binary file (a `.png`) would be imported with
 * `{ type: "bytes" }`, which Deno 2.9 still keeps behind `--unstable-raw-imports` (or
 * `"unstable": ["raw-imports"]` in deno.json); the page has none.
 *
 * The list is the page's folder (lib/web/page/, its vendored library included) and the modules
 * of lib/ its scripts import, transitively. A test (tests/web/web_server_test.ts) compares it
 * with what scanning the files on disk finds, and names any file missing here or listed here for
 * nothing: a new import in the page's code needs a line here.
 *
 * Type checking: a text import is typed `string`, but Deno 2.9's `deno check`, given this file
 * and lib/web/page/ in one run, checks the page modules it reaches from here with the server's
 * compiler options; lib/web/page/main.ts therefore brings the DOM's types in itself.
 *
 * @module
 */

// The page's own folder.
import attention from "./page/attention.ts" with { type: "text" };
import connection from "./page/connection.ts" with { type: "text" };
import dom from "./page/dom.ts" with { type: "text" };
import files from "./page/files.ts" with { type: "text" };
import hashWorker from "./page/hash_worker.ts" with { type: "text" };
import hasher from "./page/hasher.ts" with { type: "text" };
import icon from "./page/icon.svg" with { type: "text" };
import index from "./page/index.html" with { type: "text" };
import main from "./page/main.ts" with { type: "text" };
import roomView from "./page/room_view.ts" with { type: "text" };
import session from "./page/session.ts" with { type: "text" };
import sha256 from "./page/sha256.ts" with { type: "text" };
import style from "./page/style.css" with { type: "text" };
import pageText from "./page/text.ts" with { type: "text" };
import upload from "./page/upload.ts" with { type: "text" };
// @noble/hashes, vendored (lib/web/page/vendor/README.md).
import nobleMd from "./page/vendor/noble-hashes/_md.js" with { type: "text" };
import nobleU64 from "./page/vendor/noble-hashes/_u64.js" with { type: "text" };
import nobleSha2 from "./page/vendor/noble-hashes/sha2.js" with { type: "text" };
import nobleUtils from "./page/vendor/noble-hashes/utils.js" with { type: "text" };
// The modules of lib/ the page shares with the terminal client.
import chatProtocol from "../chat/protocol.ts" with { type: "text" };
import chatReason from "../chat/reason.ts" with { type: "text" };
import chatText from "../chat/text.ts" with { type: "text" };
import cliI18n from "../cli/i18n.ts" with { type: "text" };
import cliText from "../cli/text.ts" with { type: "text" };
import cliTimestamp from "../cli/timestamp.ts" with { type: "text" };
import cliUnits from "../cli/units.ts" with { type: "text" };
import filesText from "../files/text.ts" with { type: "text" };
import wireFrame from "../wire/frame.ts" with { type: "text" };
import wireMessages from "../wire/messages.ts" with { type: "text" };

/** A served file's content as imported: text, or bytes for a binary file such as a `.png`. */
export type PageAsset = string | Uint8Array<ArrayBuffer>;

/** The page's files, by the path the browser asks for them by (`/lib/` and their path in lib/). */
export const PAGE_ASSETS: Readonly<Record<string, PageAsset>> = {
  "/lib/web/page/attention.ts": attention,
  "/lib/web/page/connection.ts": connection,
  "/lib/web/page/dom.ts": dom,
  "/lib/web/page/files.ts": files,
  "/lib/web/page/hash_worker.ts": hashWorker,
  "/lib/web/page/hasher.ts": hasher,
  "/lib/web/page/icon.svg": icon,
  "/lib/web/page/index.html": index,
  "/lib/web/page/main.ts": main,
  "/lib/web/page/room_view.ts": roomView,
  "/lib/web/page/session.ts": session,
  "/lib/web/page/sha256.ts": sha256,
  "/lib/web/page/style.css": style,
  "/lib/web/page/text.ts": pageText,
  "/lib/web/page/upload.ts": upload,
  "/lib/web/page/vendor/noble-hashes/_md.js": nobleMd,
  "/lib/web/page/vendor/noble-hashes/_u64.js": nobleU64,
  "/lib/web/page/vendor/noble-hashes/sha2.js": nobleSha2,
  "/lib/web/page/vendor/noble-hashes/utils.js": nobleUtils,
  "/lib/chat/protocol.ts": chatProtocol,
  "/lib/chat/reason.ts": chatReason,
  "/lib/chat/text.ts": chatText,
  "/lib/cli/i18n.ts": cliI18n,
  "/lib/cli/text.ts": cliText,
  "/lib/cli/timestamp.ts": cliTimestamp,
  "/lib/cli/units.ts": cliUnits,
  "/lib/files/text.ts": filesText,
  "/lib/wire/frame.ts": wireFrame,
  "/lib/wire/messages.ts": wireMessages,
};
