/** A temporary folder for one test's database files, removed afterwards whatever happens. */
export async function withTempDir(test: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "chat-db-test-" });
  try {
    await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The names in a folder, sorted. */
export function listDir(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
}
