// What a virtkit command is: its options (virsh's option table), its help and its handler.

/** bool: a flag; string/number: take a value; argv: every remaining positional word. */
export type OptionKind = "bool" | "string" | "number" | "argv";

export interface OptionDef {
  name: string;
  kind: OptionKind;
  help: string;
  /** The command refuses to run without it. */
  required?: boolean;
  /** May be given without its --name, in the order of the table (virsh's data options). */
  positional?: boolean;
  /** An empty value is accepted (otherwise: "Option argument is empty"). */
  emptyOk?: boolean;
}

export type GroupKey = "domain" | "monitor" | "host" | "interface" | "network" | "pool" | "virsh";

export interface CommandDef<Ctx = unknown> {
  name: string;
  group: GroupKey;
  /** One line, shown in `help` listings and after NAME. */
  summary: string;
  description?: string;
  options: OptionDef[];
  /** Runs without a connection (help, quit, connect...). */
  noConnect?: boolean;
  /** Returns false when the command failed (errors already reported). */
  run(ctx: Ctx): Promise<boolean>;
}

/** The words of one parsed command line: option name → true (flags), a string, or argv words. */
export type OptionValues = Map<string, true | string | string[]>;

export interface ParsedCommand<Ctx = unknown> {
  def: CommandDef<Ctx>;
  values: OptionValues;
}

// ---- building option tables tersely -------------------------------------------------------------

export const flag = (name: string, help: string): OptionDef => ({ name, kind: "bool", help });
export const stringOpt = (name: string, help: string, extra: Partial<OptionDef> = {}): OptionDef => ({ name, kind: "string", help, ...extra });
export const numberOpt = (name: string, help: string, extra: Partial<OptionDef> = {}): OptionDef => ({ name, kind: "number", help, ...extra });
/** A value the command cannot do without, which may be given by position. */
export const requiredArg = (name: string, kind: "string" | "number", help: string): OptionDef => ({ name, kind, help, required: true, positional: true });
export const domainArg = (help = "domain name, id or uuid"): OptionDef => requiredArg("domain", "string", help);
