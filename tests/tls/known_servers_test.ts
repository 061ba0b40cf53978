import { deepStrictEqual, equal, rejects } from "node:assert/strict";
import { join } from "node:path";
import {
  findKnownServer,
  knownServersFile,
  parseKnownServers,
  rememberServer,
} from "../../lib/tls/known_servers.ts";
import { tempFolder } from "./_tls.ts";

const env = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("knownServersFile() is in XDG_CONFIG_HOME, else ~/.config, else %APPDATA% on Windows", () => {
  equal(
    knownServersFile(env({ HOME: "/h" }), "linux"),
    join("/h", ".config", "socket-labs", "known_servers"),
  );
  equal(
    knownServersFile(env({ HOME: "/h", XDG_CONFIG_HOME: "/x" }), "darwin"),
    join("/x", "socket-labs", "known_servers"),
  );
  equal(
    knownServersFile(env({ APPDATA: "C:\\A", USERPROFILE: "C:\\U" }), "windows"),
    join("C:\\A", "socket-labs", "known_servers"),
  );
  equal(
    knownServersFile(env({ USERPROFILE: "C:\\U" }), "windows"),
    join("C:\\U", ".config", "socket-labs", "known_servers"),
  );
  try {
    knownServersFile(env({}), "linux");
    throw new Error("no error");
  } catch (err) {
    equal(
      (err as Error).message,
      "cannot find your config folder to keep known servers in (set HOME)",
    );
  }
});

Deno.test("parseKnownServers() skips comments, blanks and lines that do not parse", () => {
  deepStrictEqual(
    parseKnownServers(
      "# header\n\nLocalHost:1 SHA256:a\nbroken\n[::1]:2 SHA256:b extra\nx:3 MD5:c\n",
    ),
    [
      { server: "localhost:1", fingerprint: "SHA256:a", line: 3 },
      { server: "[::1]:2", fingerprint: "SHA256:b", line: 5 },
    ],
  );
});

Deno.test("rememberServer() appends a line, making the file and its folder; findKnownServer() finds the first", async () => {
  await using dir = await tempFolder("known_servers_test_");
  const file = join(dir.path, "config", "socket-labs", "known_servers");
  equal(await findKnownServer(file, "127.0.0.1:4579"), undefined);
  equal(await rememberServer(file, "127.0.0.1:4579", "SHA256:one"), 3); // after the header
  equal(await rememberServer(file, "[::1]:4579", "SHA256:two"), 4);
  equal(await rememberServer(file, "127.0.0.1:4579", "SHA256:three"), 5);
  deepStrictEqual(await findKnownServer(file, "127.0.0.1:4579"), {
    server: "127.0.0.1:4579",
    fingerprint: "SHA256:one",
    line: 3,
  });
  const text = await Deno.readTextFile(file);
  equal(
    text.split("\n").slice(2).join("\n"),
    "127.0.0.1:4579 SHA256:one\n[::1]:4579 SHA256:two\n127.0.0.1:4579 SHA256:three\n",
  );

  // A file the user edited by hand, without a final newline.
  await Deno.writeTextFile(file, "a:1 SHA256:x");
  equal(await rememberServer(file, "b:2", "SHA256:y"), 2);
  equal(await Deno.readTextFile(file), "a:1 SHA256:x\nb:2 SHA256:y\n");
});

Deno.test("findKnownServer() says in one line when the file cannot be read", async () => {
  await using dir = await tempFolder("known_servers_test_");
  // A folder where the file should be.
  await rejects(
    findKnownServer(dir.path, "a:1"),
    (err: Error) =>
      err.message.startsWith(`cannot read ${dir.path}: `) && !err.message.includes("\n"),
  );
});
