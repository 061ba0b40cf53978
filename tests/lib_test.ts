import { deepStrictEqual, equal, match, throws } from "node:assert/strict";
import { errorMessage, parseFlags, UsageError } from "../lib/cli/cli.ts";
import { formatHostPort, parseHostPort, parsePort, parseRemotePort } from "../lib/net/host_port.ts";
import { readLines } from "../lib/net/lines.ts";
import { formatTimestamp } from "../lib/cli/timestamp.ts";

Deno.test("formatTimestamp() prints local time as YYYY-MM-DD HH:MM:SS", () => {
  equal(formatTimestamp(new Date(2023, 9, 27, 9, 5, 3)), "2023-10-27 09:05:03");
  match(formatTimestamp(), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
});

Deno.test("parsePort() takes 0..65535 and rejects the rest with the value quoted", () => {
  deepStrictEqual(["0", "15000", "65535"].map(parsePort), [0, 15000, 65535]);
  for (const bad of ["70000", "-1", "", "12ab", "1.5"]) {
    throws(
      () => parsePort(bad),
      (e: Error) => e instanceof RangeError && e.message.includes(`"${bad}"`),
    );
  }
});

Deno.test("parseRemotePort() takes 1..65535: no server can be reached on port 0", () => {
  deepStrictEqual(["1", "15000", "65535"].map((p) => parseRemotePort(p)), [1, 15000, 65535]);
  for (const bad of ["0", "00", "70000", "-1", ""]) {
    throws(
      () => parseRemotePort(bad),
      (e: Error) => e instanceof RangeError && e.message.includes(`"${bad}"`),
    );
  }
  throws(() => parseHostPort("127.0.0.1:0"), /expected a number from 1 to 65535/);
});

Deno.test("parseHostPort() reads names, IPv4 and bracketed IPv6", () => {
  deepStrictEqual(parseHostPort("127.0.0.1:4579"), { hostname: "127.0.0.1", port: 4579 });
  deepStrictEqual(parseHostPort("[::1]:80"), { hostname: "::1", port: 80 });
  deepStrictEqual(parseHostPort("localhost", 15004), { hostname: "localhost", port: 15004 });
  deepStrictEqual(parseHostPort("::1", 5), { hostname: "::1", port: 5 });
  throws(() => parseHostPort("localhost"), RangeError);
  throws(() => parseHostPort(":80"), RangeError);
  throws(() => parseHostPort("h:99999"), RangeError);
  equal(formatHostPort({ hostname: "::1", port: 1 }), "[::1]:1");
});

Deno.test("parseFlags() turns unknown flags and missing values into one-line UsageErrors", () => {
  const options = { port: { type: "string" }, help: { type: "boolean" } } as const;
  equal(parseFlags(["--port", "1"], options).values.port, "1");
  for (const args of [["--nope"], ["--port"], ["stray"]]) {
    throws(
      () => parseFlags(args, options),
      (e: Error) => e instanceof UsageError && !e.message.includes("\n"),
    );
  }
});

Deno.test("parseFlags() words a value that starts with a dash in one line, with a hint", () => {
  const options = { timeout: { type: "string", short: "t" }, help: { type: "boolean" } } as const;
  const messageOf = (args: string[]) => {
    try {
      parseFlags(args, options);
    } catch (e) {
      if (e instanceof UsageError) return e.message;
      throw e;
    }
    throw new Error(`No error for ${args.join(" ")}`);
  };
  const hint =
    `Option '--timeout' needs a value (write --timeout=-5 for a value starting with "-")`;
  equal(messageOf(["--timeout", "-5"]), hint);
  equal(messageOf(["-t", "-5"]), hint);
  equal(messageOf(["--timeout", "--help"]), "Option '--timeout' needs a value");
  equal(messageOf(["--timeout"]), "Option '--timeout' needs a value");
  equal(messageOf(["stray"]), "Unexpected argument 'stray'");
  equal(parseFlags(["--timeout=-5"], options).values.timeout, "-5");
});

Deno.test("errorMessage() gives one friendly line for network errors", () => {
  equal(
    errorMessage(
      new Deno.errors.AddrInUse("Address already in use (os error 98)"),
      "cannot listen",
    ),
    "cannot listen: address already in use (is another server running on that port?)",
  );
  equal(
    errorMessage(new Error("failed to lookup address information: x")),
    "host name does not resolve",
  );
  equal(errorMessage(new Error("two\nlines")), "two");
});

function reader(pieces: string[]) {
  const bytes = pieces.map((p) => new TextEncoder().encode(p));
  return {
    read(p: Uint8Array): Promise<number | null> {
      const next = bytes.shift();
      if (next === undefined) return Promise.resolve(null);
      if (next.length > p.length) {
        bytes.unshift(next.subarray(p.length));
        p.set(next.subarray(0, p.length));
        return Promise.resolve(p.length);
      }
      p.set(next);
      return Promise.resolve(next.length);
    },
  };
}

Deno.test("readLines() splits and joins lines however they arrive", async () => {
  const lines = [];
  for await (const l of readLines(reader(["a\nb", "c\r\n\nd", "\n", "tail"]))) lines.push(l);
  deepStrictEqual(lines, ["a", "bc", "", "d", "tail"]);
});

Deno.test("readLines() rejects a line longer than the limit", async () => {
  const lines: string[] = [];
  let error: unknown;
  try {
    for await (const l of readLines(reader(["ok\n", "x".repeat(20), "\n"]), { maxLineBytes: 10 })) {
      lines.push(l);
    }
  } catch (e) {
    error = e;
  }
  deepStrictEqual(lines, ["ok"]);
  equal(error instanceof RangeError, true);
});
