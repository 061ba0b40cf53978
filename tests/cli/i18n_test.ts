import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { join, relative } from "node:path";
import { parseProgramFlags } from "../../lib/cli/cli.ts";
import {
  chooseLang,
  defineText,
  formatList,
  type Lang,
  lang,
  langOfLocale,
  LANGS,
  setLang,
} from "../../lib/cli/i18n.ts";
import { ROOT } from "../_task.ts";

/**
 * Every table: a `*Text` export of a `text.ts` anywhere under lib/ (the web page's included),
 * found on disk, not listed by hand.
 */
async function allTables(): Promise<Map<string, Record<Lang, Record<string, string>>>> {
  const tables = new Map<string, Record<Lang, Record<string, string>>>();
  for (const file of await textFiles(join(ROOT, "lib"))) {
    // A query keeps it apart from the same file imported as text (lib/web/page_assets.ts) by
    // another test in this process, which the module cache would otherwise hand back.
    const module = await import(`file://${file}?as=code`);
    for (const [name, value] of Object.entries(module)) {
      if (name.endsWith("Text") && typeof value === "function" && "tables" in value) {
        tables.set(`${relative(ROOT, file)} ${name}`, value.tables as never);
      }
    }
  }
  return tables;
}

/** The `text.ts` files under a folder, at any depth, vendored code left out. */
async function textFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory && entry.name !== "vendor") found.push(...await textFiles(path));
    else if (entry.isFile && entry.name === "text.ts") found.push(path);
  }
  return found.sort();
}

/** The placeholder names of a sentence, sorted, each once. */
function holes(sentence: string): string[] {
  return [
    ...new Set([...sentence.matchAll(/\{([^{}|]+)(?:\|[^{}|]*\|[^{}|]*)?\}/g)].map((m) => m[1])),
  ]
    .sort();
}

Deno.test("every text table has every key in both languages, with the same placeholders", async () => {
  const tables = await allTables();
  ok(tables.size >= 1, "no lib/**/text.ts table found");
  ok([...tables.keys()].some((where) => where.startsWith("lib/web/page/")), "the page's table");
  for (const [where, table] of tables) {
    deepStrictEqual(Object.keys(table.zh).sort(), Object.keys(table.en).sort(), where);
    for (const key of Object.keys(table.en)) {
      for (const language of LANGS) {
        const sentence = table[language][key];
        ok(typeof sentence === "string" && sentence.trim() !== "", `${where} ${language}.${key}`);
        // Braces come only in pairs: a stray one would print as it is.
        equal(
          sentence.replace(/\{[^{}]+\}/g, "").match(/[{}]/),
          null,
          `${where} ${language}.${key}`,
        );
      }
      deepStrictEqual(holes(table.zh[key]), holes(table.en[key]), `${where} ${key}`);
    }
  }
});

Deno.test("every sentence of every table is found again by its pattern, in either language", async () => {
  for (const [where, table] of await allTables()) {
    const text = defineText(table as never) as unknown as {
      in(language: Lang, key: string, params: Record<string, string | number>): string;
      pattern(key: string): RegExp;
    };
    for (const key of Object.keys(table.en)) {
      const params = Object.fromEntries(holes(table.en[key]).map((h, i) => [h, i + 2]));
      for (const language of LANGS) {
        const line = text.in(language, key, params);
        match(line, text.pattern(key), `${where} ${language}.${key}: ${line}`);
      }
    }
  }
});

Deno.test("chooseLang() takes --lang, then LC_ALL, LC_MESSAGES, LANG, then English", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  equal(chooseLang(["--port", "1", "--lang", "zh"], env({})), "zh");
  equal(chooseLang(["--lang=en"], env({ LC_ALL: "zh_CN.UTF-8" })), "en");
  equal(chooseLang([], env({ LC_ALL: "zh_CN.UTF-8", LANG: "C" })), "zh");
  equal(chooseLang([], env({ LC_MESSAGES: "zh_TW", LANG: "C" })), "zh");
  equal(chooseLang([], env({ LANG: "zh_CN.GB18030" })), "zh");
  equal(chooseLang([], env({ LANG: "en_US.UTF-8" })), "en");
  equal(chooseLang([], env({ LANG: "C" })), "en");
  equal(chooseLang(["--", "--lang", "zh"], env({})), "en");
  equal(chooseLang(["--lang", "fr"], env({ LANG: "zh_CN.UTF-8" })), "zh");
  equal(langOfLocale("zhx"), "en");
});

Deno.test("a sentence is made in the program's language, plurals by Intl.PluralRules", () => {
  const text = defineText({
    en: { files: "{n|file|files} from {who}" },
    zh: { files: "来自 {who} 的 {n} 个文件" },
  });
  const before = lang();
  try {
    setLang("en");
    equal(text("files", { n: 1, who: "小明" }), "1 file from 小明");
    equal(text("files", { n: 0, who: "bob" }), "0 files from bob");
    equal(formatList(["a", "b", "c"]), "a, b, and c");
    setLang("zh");
    equal(text("files", { n: 2, who: "bob" }), "来自 bob 的 2 个文件");
    equal(formatList(["a", "b", "c"]), "a、b和c");
    equal(text.in("en", "files", { n: 2, who: "bob" }), "2 files from bob");
  } finally {
    setLang(before);
  }
});

Deno.test("parseProgramFlags() speaks --lang, and refuses a language it does not have", () => {
  const before = lang();
  try {
    const run = (args: string[]) => {
      const out: string[] = [];
      const result = parseProgramFlags({
        name: "demo",
        usage: () => (lang() === "zh" ? "用法：demo" : "Usage: demo"),
        args,
        options: {},
        read: () => true,
        log: (line) => out.push(line),
        error: (line) => out.push(line),
      });
      return { result, out: out.join("\n") };
    };
    const zh = run(["--lang", "zh", "--help"]);
    deepStrictEqual(zh.result, { exitCode: 0 });
    match(zh.out, /^用法：demo\n {2}--lang LANG {5}输出语言.*\n {2}-h, --help {6}显示本帮助$/);
    equal(run(["--lang", "zh", "--bogus"]).out, "demo: 未知选项 '--bogus'（见 --help）");
    const fr = run(["--lang", "fr"]);
    deepStrictEqual(fr.result, { exitCode: 2 });
    equal(fr.out, 'demo: Invalid --lang "fr": expected en or zh (see --help)');
  } finally {
    setLang(before);
  }
});
