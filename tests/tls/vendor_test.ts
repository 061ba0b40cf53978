/**
 * The vendored X.509 bundle (lib/vendor/x509/) is what its README says: `deno bundle` of
 * `entry.ts` with the versions `bundle.lock` pins gives the committed `x509.js` byte for byte,
 * and `LICENSES.txt` has a section for every package in it.
 *
 * The rebuild downloads the packages from the npm registry into a temporary Deno cache. It is
 * skipped, saying why, when the registry is unreachable or this Deno is not the one the bundle
 * was made with (its esbuild, and so its output, comes with the Deno version).
 */

import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { ROOT } from "../_task.ts";

const VENDOR = join(ROOT, "lib", "vendor", "x509");

/** The Deno that made the bundle (lib/vendor/x509/README.md). */
const MADE_WITH = "2.9.6";

/** The registry `deno bundle` will download from. */
const REGISTRY = (Deno.env.get("NPM_CONFIG_REGISTRY") ?? "https://registry.npmjs.org/")
  .replace(/\/?$/, "/");

/** Why the rebuild cannot run here, or `undefined` when it can. */
async function whyNotRebuild(): Promise<string | undefined> {
  if (Deno.version.deno !== MADE_WITH) {
    return `this is Deno ${Deno.version.deno}; the bundle was made with Deno ${MADE_WITH}`;
  }
  try {
    const response = await fetch(`${REGISTRY}reflect-metadata`, {
      signal: AbortSignal.timeout(5000),
    });
    await response.body?.cancel();
    if (!response.ok) return `the npm registry ${REGISTRY} answered ${response.status}`;
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    return `the npm registry ${REGISTRY} is unreachable (${why})`;
  }
  return undefined;
}

const skip = await whyNotRebuild();
if (skip) console.log(`vendor_test: rebuilding lib/vendor/x509/x509.js skipped: ${skip}`);

Deno.test({
  name: "lib/vendor/x509/x509.js is deno bundle's output for entry.ts and bundle.lock",
  ignore: skip !== undefined,
  async fn() {
    const folder = await Deno.makeTempDir({ prefix: "vendor_test_" });
    try {
      await Deno.copyFile(join(VENDOR, "entry.ts"), join(folder, "entry.ts"));
      await Deno.copyFile(join(VENDOR, "bundle.lock"), join(folder, "deno.lock"));
      // The command of lib/vendor/x509/README.md, run in the same kind of folder.
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "bundle",
          "--no-config",
          "--lock=deno.lock",
          "--frozen-lockfile",
          "--platform",
          "browser",
          "-o",
          "x509.js",
          "entry.ts",
        ],
        cwd: folder,
        env: { DENO_DIR: join(folder, "deno-dir"), NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
        signal: AbortSignal.timeout(180_000),
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      equal(out.code, 0, stderr);
      const made = await Deno.readFile(join(folder, "x509.js"));
      const committed = await Deno.readFile(join(VENDOR, "x509.js"));
      equal(made.length, committed.length, "the bundle's size differs");
      ok(made.every((byte, i) => byte === committed[i]), "the bundle's bytes differ");
    } finally {
      await Deno.remove(folder, { recursive: true });
    }
  },
});

Deno.test("lib/vendor/x509/LICENSES.txt has the license of every package in the bundle", async () => {
  const bundle = await Deno.readTextFile(join(VENDOR, "x509.js"));
  const licenses = await Deno.readTextFile(join(VENDOR, "LICENSES.txt"));
  const bundled = new Set(
    [...bundle.matchAll(
      /^\/\/ deno-dir\/npm\/registry\.npmjs\.org\/((?:@[^/]+\/)?[^/]+)\/([^/]+)\//gm,
    )]
      .map((m) => `${m[1]} ${m[2]}`),
  );
  ok(bundled.size > 10, [...bundled].join(", "));
  const sections = new Set(
    [...licenses.matchAll(/^(\S+ \S+) \([^)]+\)$/gm)].map((m) => m[1]),
  );
  deepStrictEqual([...bundled].filter((p) => !sections.has(p)), [], "packages without a license");
  deepStrictEqual([...sections].filter((p) => !bundled.has(p)), [], "licenses of no package");
});
