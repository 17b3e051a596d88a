// virtkit's command line, as virsh's: global options, then one command string (split at ';'),
// or one command given as separate words, or no command at all for the interactive shell.
// The exit status is the last command's (0 or 1), as virsh's.
import { VirtError } from "../errors.js";
import type { ParsedCommand } from "./command.js";
import { findCommand, COMMANDS } from "./commands/index.js";
import { allGroupsHelp } from "./commands/shell.js";
import { CommandContext } from "./context.js";
import { ParseError, parseCommand, splitCommandString } from "./parser.js";
import { Reported, Session, type CliIO } from "./session.js";

export type { CliIO } from "./session.js";

/** The libvirt release whose virsh this command line follows. */
const VIRSH_VERSION = "9.0.0";

interface GlobalOptions {
  uri?: string;
  readOnly: boolean;
  quiet: boolean;
  timing: boolean;
  /** Words after the options: the command(s). */
  rest: string[];
}

/** What the global option parser decided instead of running commands. */
class EarlyExit {
  constructor(
    readonly status: number,
    readonly stdout = "",
    readonly stderr = "",
  ) {}
}

const LONG_OPTIONS: Record<string, { short: string; takesValue: boolean | "optional" }> = {
  connect: { short: "c", takesValue: true },
  debug: { short: "d", takesValue: true },
  escape: { short: "e", takesValue: true },
  help: { short: "h", takesValue: false },
  "keepalive-interval": { short: "k", takesValue: true },
  "keepalive-count": { short: "K", takesValue: true },
  log: { short: "l", takesValue: true },
  quiet: { short: "q", takesValue: false },
  readonly: { short: "r", takesValue: false },
  timing: { short: "t", takesValue: false },
  version: { short: "v", takesValue: "optional" },
};
const SHORT_WITH_VALUE = new Set(["c", "d", "e", "k", "K", "l"]);
const SHORT_FLAGS = new Set(["h", "q", "r", "t", "v", "V"]);

function usage(): string {
  return `
virtkit [options]... [<command_string>]
virtkit [options]... <command> [args...]

  options:
    -c | --connect=URI      the hypervisor connection URI
    -d | --debug=NUM        debug level [0-4] (accepted, no effect yet)
    -e | --escape <char>    the console's escape character
    -h | --help             this help
    -k | --keepalive-interval=NUM
                            seconds between keepalives, 0 for none
    -K | --keepalive-count=NUM
                            keepalives that may go unanswered
    -l | --log=FILE         log to a file
    -q | --quiet            print only what was asked for
    -r | --readonly         a read-only connection
    -t | --timing           print how long each command took
    -v                      short version
    -V                      long version
         --version[=TYPE]   version, TYPE is short or long (default short)
  connection URIs:
    test:///default         an embedded test node, in this process (the default)
    test:///PATH/node.xml   a test node loaded from a node file
    lxc:///system           containers on this host (root)
    kvm:///system           KVM virtual machines on this host (root; /dev/kvm to start them)
    without -c: $VIRTKIT_DEFAULT_URI, else $LIBVIRT_DEFAULT_URI, else test:///default

  commands (non interactive mode):

${allGroupsHelp(COMMANDS)}
  (specify help <group> for details about the commands in the group)

  (specify help <command> for details about the command)

`;
}

const longVersion = () => `virtkit command line, compatible with virsh of libvirt ${VIRSH_VERSION}\n`;

/** getopt_long("+c:d:e:hk:K:l:qrtvV") with virsh's messages. */
function parseGlobalOptions(argv: readonly string[]): GlobalOptions {
  const options: GlobalOptions = { readOnly: false, quiet: false, timing: false, rest: [] };
  const apply = (short: string, value: string | undefined): void => {
    switch (short) {
      case "c":
        options.uri = value;
        break;
      case "d":
        if (!/^[0-4]$/.test(value ?? "")) throw new EarlyExit(1, "", `error: option -d takes a numeric argument\n`);
        break;
      case "h":
        throw new EarlyExit(0, usage());
      case "q":
        options.quiet = true;
        break;
      case "r":
        options.readOnly = true;
        break;
      case "t":
        options.timing = true;
        break;
      case "v":
        if (value === undefined || value === "short") throw new EarlyExit(0, `${VIRSH_VERSION}\n`);
        if (value === "long") throw new EarlyExit(0, longVersion());
        throw new EarlyExit(1, "", `error: unsupported option '--version=${value}'. See --help.\n`);
      case "V":
        throw new EarlyExit(0, longVersion());
      default:
        break; // -e, -k, -K, -l: accepted; the console escape and keepalives have no effect yet
    }
  };
  const missingValue = (short: string) => {
    const long = Object.keys(LONG_OPTIONS).find((k) => LONG_OPTIONS[k].short === short);
    return new EarlyExit(1, "", `error: option '-${short}'/'--${long}' requires an argument\n`);
  };

  let i = 0;
  for (; i < argv.length; i++) {
    const word = argv[i];
    if (word === "--") {
      i++;
      break;
    }
    if (word.startsWith("--")) {
      const eq = word.indexOf("=");
      const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
      const spec = LONG_OPTIONS[name];
      if (!spec) throw new EarlyExit(1, "", `error: unsupported option '${word}'. See --help.\n`);
      let value = eq < 0 ? undefined : word.slice(eq + 1);
      if (spec.takesValue === true && value === undefined) {
        if (i + 1 >= argv.length) throw missingValue(spec.short);
        value = argv[++i];
      }
      if (spec.takesValue === false && value !== undefined) throw new EarlyExit(1, "", `error: unsupported option '${word}'. See --help.\n`);
      apply(spec.short, value);
      continue;
    }
    if (!word.startsWith("-") || word === "-") break;
    for (let j = 1; j < word.length; j++) {
      const short = word[j];
      if (SHORT_WITH_VALUE.has(short)) {
        let value = word.slice(j + 1);
        if (value === "") {
          if (i + 1 >= argv.length) throw missingValue(short);
          value = argv[++i];
        }
        apply(short, value);
        break;
      }
      if (!SHORT_FLAGS.has(short)) throw new EarlyExit(1, "", `error: unsupported option '-${short}'. See --help.\n`);
      apply(short, undefined);
    }
  }
  options.rest = argv.slice(i);
  return options;
}

/** The URI when -c is not given: VIRTKIT_DEFAULT_URI, LIBVIRT_DEFAULT_URI, else the embedded test node. */
export function defaultUri(env: Record<string, string | undefined>): string {
  return env.VIRTKIT_DEFAULT_URI || env.LIBVIRT_DEFAULT_URI || "test:///default";
}

/** Runs one parsed command with virsh's reporting; true when it succeeded. */
async function runCommand(session: Session, command: ParsedCommand<CommandContext>): Promise<boolean> {
  // process.hrtime, not performance.now(): the `performance` global loads perf_hooks at first use.
  const started = session.timing ? process.hrtime.bigint() : 0n;
  let ok: boolean;
  try {
    if (!command.def.noConnect) await session.connection();
    ok = await command.def.run(new CommandContext(session, command.def.name, command.values));
  } catch (e) {
    ok = false;
    if (e instanceof VirtError) session.error(e.message);
    else if (!(e instanceof Reported)) session.error(e instanceof Error ? e.message : String(e));
  }
  if (session.stop) return ok;
  if (session.timing) session.print(`\n(Time: ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(3)} ms)\n\n`);
  else session.printExtra("\n");
  session.flush();
  return ok;
}

/** Parses every command of a line first: one bad command and none of them runs. */
function parseLine(session: Session, commands: string[][]): ParsedCommand<CommandContext>[] | undefined {
  try {
    return commands.map((words) => parseCommand(words, findCommand));
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    session.error(e.message);
    return undefined;
  }
}

async function runAll(session: Session, commands: ParsedCommand<CommandContext>[]): Promise<boolean> {
  let ok = true;
  for (const command of commands) {
    ok = await runCommand(session, command);
    if (session.stop) break;
  }
  return ok;
}

/** The interactive shell: a prompt per line until quit or end of input. */
async function interactive(session: Session): Promise<void> {
  const io = session.io;
  if (!session.quiet) session.print("virtkit interactive terminal, virsh compatible.\n\nType 'help' for the commands, 'quit' to leave.\n\n");
  session.flush();
  if (!io.stdin) return;
  const terminal = io.isTTY?.() === true;
  const prompt = session.readOnly ? "virtkit > " : "virtkit # ";
  const { createInterface } = await import("node:readline");
  const lines = createInterface({ input: io.stdin(), terminal: false });
  io.stdout(prompt);
  for await (const line of lines) {
    // Without a terminal nothing echoes the line; show it after the prompt, as virsh's readline does.
    if (!terminal) io.stdout(`${line}\n`);
    let commands: string[][] | undefined;
    try {
      commands = splitCommandString(line);
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      session.error(e.message);
    }
    const parsed = commands && parseLine(session, commands);
    if (parsed) await runAll(session, parsed);
    if (session.stop) break;
    io.stdout(prompt);
  }
  lines.close();
  io.stdout("\n");
}

/** Runs virtkit with these arguments (without the program name); resolves to the exit status. */
export async function runVirtkit(argv: readonly string[], io: CliIO): Promise<number> {
  let options: GlobalOptions;
  try {
    options = parseGlobalOptions(argv);
  } catch (e) {
    if (!(e instanceof EarlyExit)) throw e;
    if (e.stdout) io.stdout(e.stdout);
    if (e.stderr) io.stderr(e.stderr);
    return e.status;
  }
  const session = new Session(io, options.uri ?? defaultUri(io.env), options.readOnly);
  session.quiet = options.quiet;
  session.timing = options.timing;

  let commands: ParsedCommand<CommandContext>[] | undefined;
  if (options.rest.length > 0) {
    let words: string[][];
    try {
      if (options.rest.length === 1 && options.rest[0].trim() === "") return 1;
      words = options.rest.length === 1 ? splitCommandString(options.rest[0]) : [options.rest.slice()];
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      session.error(e.message);
      return 1;
    }
    commands = parseLine(session, words);
    if (!commands) return 1;
  }

  try {
    if (!(await session.connect(session.uri, session.readOnly))) return 1;
    if (!commands) {
      await interactive(session);
      return 0;
    }
    return (await runAll(session, commands)) ? 0 : 1;
  } finally {
    await session.close();
  }
}
