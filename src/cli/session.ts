// One virtkit run (virsh's control structure): where output goes, the connection and the
// global settings. Output is virsh's: `print` always, `printExtra` only without --quiet, and
// errors as "error: ..." lines on stderr. Standard output is buffered per command and flushed
// before anything goes to stderr, so a terminal shows both in order.
import { openConnection, type Connection } from "../connection.js";
import { VirtError } from "../errors.js";

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Relative file names are resolved here. */
  cwd: string;
  env: Record<string, string | undefined>;
  /**
   * Input for the interactive shell and the console, opened on first use (creating Node's stdin
   * stream costs start-up time most commands need not pay); none: nothing is read.
   */
  stdin?: () => NodeJS.ReadableStream;
  /** Whether stdin and stdout are a terminal (the console needs one; asked only when needed). */
  isTTY?: () => boolean;
}

/** A failure already reported on stderr: the command stops and counts as failed. */
export class Reported extends Error {}

export class Session {
  uri: string;
  readOnly: boolean;
  quiet = false;
  timing = false;
  conn: Connection | undefined;
  /** Set by quit/exit: no further command runs. */
  stop = false;
  private pending = "";

  constructor(
    readonly io: CliIO,
    uri: string,
    readOnly: boolean,
  ) {
    this.uri = uri;
    this.readOnly = readOnly;
  }

  print(text: string): void {
    this.pending += text;
  }

  /** Informational output that --quiet suppresses. */
  printExtra(text: string): void {
    if (!this.quiet) this.pending += text;
  }

  /** Prints "error: text" on stderr. */
  error(text: string): void {
    this.flush();
    this.io.stderr(`error: ${text}\n`);
  }

  /** Reports an error and stops the command. */
  fail(text: string): never {
    this.error(text);
    throw new Reported(text);
  }

  flush(): void {
    if (this.pending === "") return;
    this.io.stdout(this.pending);
    this.pending = "";
  }

  /** Connects (or reconnects) to uri; on failure reports it and keeps the previous connection. */
  async connect(uri: string, readOnly: boolean): Promise<boolean> {
    let conn: Connection;
    try {
      conn = await openConnection(uri, { readOnly });
    } catch (e) {
      this.flush();
      if (e instanceof VirtError && e.warning !== undefined) this.io.stderr(`${e.warning}\n`);
      this.error("failed to connect to the hypervisor");
      this.error(e instanceof Error ? e.message : String(e));
      return false;
    }
    await this.conn?.close();
    this.conn = conn;
    this.uri = uri;
    this.readOnly = readOnly;
    return true;
  }

  /** The open connection; reconnects to the last URI when there is none. */
  async connection(): Promise<Connection> {
    if (!this.conn && !(await this.connect(this.uri, this.readOnly))) throw new Reported("no connection");
    return this.conn!;
  }

  async close(): Promise<void> {
    this.flush();
    await this.conn?.close();
    this.conn = undefined;
  }
}
