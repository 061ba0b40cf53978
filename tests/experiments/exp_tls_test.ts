/**
 * exp:tls, run through its task from an empty folder as a student runs it: the plain capture
 * shows the frames and the sentence, the TLS capture shows neither, and the key log makes the
 * TLS capture readable again. It must leave nothing behind.
 */

import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { hasCommand, runTask } from "../_task.ts";
import { holds, packetLine } from "../../programs/experiments/exp_tls.ts";

const HAS_TOOLS = hasCommand("tshark") && hasCommand("dumpcap");
if (!HAS_TOOLS) {
  console.warn(
    "skipping the exp:tls tests: tshark or dumpcap is not installed (apt-get install tshark)",
  );
}

/**
 * Run exp:tls in an empty folder.
 *
 * @param args Extra arguments, such as `--lang zh`.
 * @returns Its report, split at its numbered sections.
 */
async function runExperiment(args: string[] = []): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "exp_tls_test_" });
  try {
    const { code, stdout, stderr } = await runTask("exp:tls", args, { cwd: dir });
    equal(code, 0, `exp:tls failed:\n${stdout}\n${stderr}`);
    deepStrictEqual(await Array.fromAsync(Deno.readDir(dir)), [], "exp:tls left files behind");
    const sections = stdout.split(/^(?=\d\. |答案：|Answer: )/m);
    equal(sections.length, 5, stdout);
    return sections;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name:
    "exp:tls shows the sentence in the plain capture, opaque records with TLS, frames again with the key log",
  ignore: !HAS_TOOLS,
  async fn() {
    const [intro, plain, tls, decrypted, answer] = await runExperiment();
    match(intro, /^Question: /);
    const sentence = "meet at the library at 8";

    match(plain, /client → server +\d+ B {2}LP: Request J id=\d+ {2}\{"name":"ann"\}/);
    ok(plain.includes(`{"text":"${sentence}`), plain);
    match(plain, /LP: Indication D id=\d+ {2}"Answers to problem set 3/);
    match(plain, /the dissector read (\d+) LP frames/);
    match(plain, /the sentence FOUND, the file's bytes FOUND/);

    match(tls, /Client Hello \(ALPN chat\/1\)/);
    match(tls, /Application Data/);
    ok(!tls.includes("LP: "), tls);
    match(tls, /the dissector read 0 LP frames/);
    match(tls, /the sentence not found, the file's bytes not found/);

    match(decrypted, /secrets Deno's TLS wrote to the client's SSLKEYLOGFILE/);
    ok(decrypted.includes(`{"text":"${sentence}`), decrypted);
    const frames = (s: string) => s.match(/the dissector read (\d+) LP frames/)![1];
    equal(frames(decrypted), frames(plain), "the same frames as in plain TCP");

    match(answer, /^Answer: without TLS/);
  },
});

Deno.test({
  name: "exp:tls in Chinese reads the Chinese sentence out of the plain and decrypted captures",
  ignore: !HAS_TOOLS,
  async fn() {
    const [intro, plain, tls, decrypted, answer] = await runExperiment(["--lang", "zh"]);
    match(intro, /^问题：/);
    ok(plain.includes('{"text":"八点图书馆见'), plain);
    match(plain, /客户端 → 服务器/);
    ok(!tls.includes("八点图书馆见"), tls);
    ok(decrypted.includes('{"text":"八点图书馆见'), decrypted);
    match(answer, /^答案：/);
  },
});

Deno.test("packetLine() names the direction and fits a hundred columns", () => {
  const line = packetLine({
    srcPort: 5000,
    length: 60,
    info: "LP: Request C id=4",
    json: [JSON.stringify({ text: "x".repeat(200) })],
    data: [],
    alpn: [],
  }, 4000);
  match(line, /^ {2}client → server +60 B {2}LP: Request C id=4 {2}\{"text":"x+…$/);
  equal(line.length, 100);
});

Deno.test("holds() finds a text's UTF-8 bytes anywhere in a capture", () => {
  const bytes = new Uint8Array([0, 0xff, ...new TextEncoder().encode("图书馆 at 8"), 0x80]);
  ok(holds(bytes, "图书馆"));
  ok(holds(bytes, "at 8"));
  ok(!holds(bytes, "at 9"));
});
