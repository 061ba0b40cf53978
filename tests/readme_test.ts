/**
 * The READMEs' commands work as written: every `deno task NAME` in them names a task in
 * deno.json, every program they name answers `--help` with exactly its task's flags, and every
 * `--help` command they show runs as written (with its `LANG=...` and `--lang`).
 *
 * Only exit codes and non-empty output are checked: what `--help` says, and in which language,
 * belongs to each program's own tests.
 *
 * @module
 */

import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import config from "../deno.json" with { type: "json" };
import { ROOT, runTask } from "./_task.ts";

const READMES = ["README.zh-CN.md", "README.md"];
const TASKS = new Set(Object.keys(config.tasks));

/**
 * Tasks that are not one program to ask for `--help`: the test and check runners, the builder
 * and its per-program tasks, and the benchmark, which runs the others.
 */
const NOT_A_PROGRAM = /^(?:test|check|bench|compile(?::.*)?)$/;

/** `deno task NAME`, also as `npx deno@2.9.6 task NAME`. */
const TASK_MENTION = /\bdeno(?:@[\d.]+)? task ([^\s`'"()[\],;]+)/g;

/** A name in capitals or Chinese stands for any task: `deno task NAME`, `compile:任务名`. */
const PLACEHOLDER = /[^a-z0-9:-]/;

/** A README, split into the lines of its fenced code blocks and the rest. */
interface Readme {
  file: string;
  text: string;
  /** Lines inside ``` fences. */
  codeLines: string[];
  /** `inline code` spans outside the fences. */
  inlineSpans: string[];
}

function readReadme(file: string): Readme {
  const text = Deno.readTextFileSync(join(ROOT, file));
  const codeLines: string[] = [];
  const prose: string[] = [];
  let inFence = false;
  for (const line of text.split("\n")) {
    if (/^\s*```/.test(line)) inFence = !inFence;
    else (inFence ? codeLines : prose).push(line);
  }
  const inlineSpans = [...prose.join("\n").matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);
  return { file, text, codeLines, inlineSpans };
}

const readmes = READMES.map(readReadme);

/** Every task a README names, with where: code blocks and inline code both count. */
function mentionedTasks(readme: Readme): Map<string, string> {
  const found = new Map<string, string>();
  for (const piece of [...readme.codeLines, ...readme.inlineSpans]) {
    for (const m of piece.matchAll(TASK_MENTION)) {
      if (PLACEHOLDER.test(m[1])) continue;
      if (!found.has(m[1])) found.set(m[1], piece.trim());
    }
  }
  return found;
}

/**
 * The deno.json tasks a README names, as `deno task NAME` or as `NAME` in inline code (the task
 * tables); the per-program `compile:NAME` tasks aside.
 */
function namedTasks(readme: Readme): Set<string> {
  const spans = new Set(readme.inlineSpans);
  return new Set(
    [...TASKS].filter((name) =>
      !name.startsWith("compile:") && (mentionedTasks(readme).has(name) || spans.has(name))
    ),
  );
}

/** A `--help` command from a code block, as a user would type it. */
interface HelpCommand {
  line: string;
  task: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * The commands that ask a program for help, in code blocks and inline code:
 * `[VAR=value ...] deno task NAME ... --help`, with an optional `$ ` prompt and `# comment`.
 */
function helpCommands(readme: Readme): HelpCommand[] {
  const commands: HelpCommand[] = [];
  for (const raw of [...readme.codeLines, ...readme.inlineSpans]) {
    const line = raw.replace(/^\$\s+/, "").replace(/\s+#.*$/, "").trim();
    const m = line.match(/^((?:[A-Z_]+=\S*\s+)*)deno task ([\w:-]+)((?:\s+\S+)*)$/);
    if (!m) continue;
    const args = m[3].trim().split(/\s+/).filter((a) => a !== "");
    if (!args.includes("--help") && !args.includes("-h")) continue;
    ok(!/['"]/.test(m[3]), `${readme.file}: quoted arguments are not supported here: ${line}`);
    const env = Object.fromEntries(
      m[1].trim().split(/\s+/).filter((a) => a !== "").map((a) => {
        const at = a.indexOf("=");
        return [a.slice(0, at), a.slice(at + 1)];
      }),
    );
    commands.push({ line, task: m[2], args, env });
  }
  return commands;
}

/**
 * Run jobs a few at a time, so the whole check stays quick without starting every program at
 * once.
 */
async function eachLimited<T>(items: T[], limit: number, job: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await job(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

Deno.test("README.md and README.zh-CN.md link to each other at the top", () => {
  const [zh, en] = readmes;
  ok(zh.text.split("\n")[0].includes("](README.md)"), "README.zh-CN.md's first line");
  ok(en.text.split("\n")[0].includes("](README.zh-CN.md)"), "README.md's first line");
});

Deno.test("every relative link in the READMEs points at a file that exists", () => {
  for (const readme of readmes) {
    for (const m of readme.text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1].split("#")[0];
      if (target === "" || /^[a-z]+:/.test(target)) continue;
      ok(
        existsSync(join(ROOT, dirname(readme.file), target)),
        `${readme.file} links ${target}, which does not exist`,
      );
    }
  }
});

Deno.test("every `deno task NAME` in the READMEs names a task in deno.json", () => {
  for (const readme of readmes) {
    const tasks = mentionedTasks(readme);
    ok(tasks.size > 10, `${readme.file}: found only ${tasks.size} tasks`);
    const unknown = [...tasks].filter(([name]) => !TASKS.has(name)).map(([n, at]) => `${n}: ${at}`);
    deepStrictEqual(unknown, [], `${readme.file} names tasks deno.json lacks`);
  }
});

Deno.test("README.zh-CN.md covers every task that README.md covers", () => {
  const [zh, en] = readmes;
  const missing = [...namedTasks(en)].filter((name) => !namedTasks(zh).has(name));
  deepStrictEqual(missing, [], "tasks README.md names and README.zh-CN.md does not");
});

Deno.test("every program the READMEs name answers --help with its task's flags", async () => {
  const programs = [...new Set(readmes.flatMap((r) => [...namedTasks(r)]))]
    .filter((name) => !NOT_A_PROGRAM.test(name))
    .sort();
  ok(programs.length >= 20, `only ${programs.length} programs: ${programs.join(", ")}`);
  const failed: string[] = [];
  await eachLimited(programs, 4, async (name) => {
    const { code, stdout, stderr } = await runTask(name, ["--help"]);
    if (code !== 0 || stdout.trim() === "") {
      failed.push(`deno task ${name} --help: exit ${code}\n${stdout}\n${stderr}`);
    }
  });
  deepStrictEqual(failed, []);
});

Deno.test("every --help command in the READMEs works as written", async () => {
  const commands = readmes.flatMap(helpCommands);
  ok(commands.length >= 3, `found only ${commands.length} --help commands`);
  await eachLimited(commands, 4, async ({ line, task, args, env }) => {
    const { code, stdout, stderr } = await runTask(task, args, { env });
    equal(code, 0, `${line}\n${stdout}\n${stderr}`);
    ok(stdout.trim() !== "", `${line} printed nothing\n${stderr}`);
  });
});
