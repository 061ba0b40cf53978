/**
 * The LP server's operator console: `list`, `kick <id>`, `help` and `quit`, typed on the
 * server's standard input. The commands are the same words in every language; what they answer
 * is in the server's.
 *
 * @module
 */

import { formatTimestamp } from "../cli/timestamp.ts";
import { type ClientInfo, formatClientTable } from "./protocol.ts";
import { lpText as text } from "./text.ts";

/** What the console needs of the server. */
export interface ConsoleServer {
  /** @returns The connected clients. */
  list(): ClientInfo[];
  /** Disconnect a client, telling it why; @returns whether there was such a client. */
  kick(id: number): boolean;
}

/** The operator's console commands; `quit` is the shutdown's and handled apart. */
const COMMANDS: Record<string, (server: ConsoleServer, args: string[]) => string[]> = {
  "": () => [],
  list: (server) => {
    const clients = server.list();
    if (clients.length === 0) return [text("consoleNoClients")];
    // The lp-client's heading, so both programs show the table alike.
    const heading = text("clientsHeading", { n: clients.length });
    return [heading, ...formatClientTable(clients, undefined, local)];
  },
  kick: (server, [arg, ...rest]) => {
    const id = Number(arg);
    if (!arg || rest.length > 0 || !Number.isInteger(id)) return [text("consoleKickUsage")];
    return [server.kick(id) ? text("consoleKicked", { id }) : text("no-such-client", { id })];
  },
  help: () => [text("consoleHelp")],
};

/**
 * Carry out one console command.
 *
 * @param line What the operator typed.
 * @param server The running server.
 * @returns The lines to show, and whether the operator asked to quit.
 */
export function consoleCommand(
  line: string,
  server: ConsoleServer,
): { lines: string[]; quit: boolean } {
  const [command = "", ...args] = line.trim().split(/\s+/);
  if (command === "quit") return { lines: [text("consoleQuit")], quit: true };
  const run = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  return { lines: run ? run(server, args) : [text("consoleUnknown", { command })], quit: false };
}

function local(iso: string): string {
  return formatTimestamp(new Date(iso));
}

/**
 * Read console commands until the input ends or `quit`. The end of the input (a pipe closed,
 * /dev/null) stops the console only, never the server.
 *
 * @param lines The operator's lines, such as stdin's.
 * @param server The running server.
 * @param options Where output goes, and what to do on `quit`.
 */
export async function runConsole(
  lines: AsyncIterable<string>,
  server: ConsoleServer,
  options: { log: (line: string) => void; quit: () => void },
): Promise<void> {
  for await (const line of lines) {
    const { lines: out, quit } = consoleCommand(line, server);
    for (const l of out) options.log(l);
    if (quit) return options.quit();
  }
}
