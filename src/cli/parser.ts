// Command lines as virsh reads them: a string is split into commands at ';' and newlines and
// into words at blanks (quotes and backslashes as in a shell, '#' starts a comment); the
// words of each command are then matched against its option table. Every problem is a
// ParseError whose message virsh would print after "error: ".
import type { CommandDef, OptionDef, OptionValues, ParsedCommand } from "./command.js";

export class ParseError extends Error {}

/** Splits a command string into commands, each a list of words. */
export function splitCommandString(text: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let i = 0;
  const endCommand = () => {
    if (words.length > 0) commands.push(words);
    words = [];
  };
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t") {
      i++;
    } else if (c === ";" || c === "\n") {
      endCommand();
      i++;
    } else if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else {
      const [word, next] = readWord(text, i);
      words.push(word);
      i = next;
    }
  }
  endCommand();
  return commands;
}

/** One word from position i: returns it, unquoted, and where the next one may start. */
function readWord(text: string, i: number): [string, number] {
  let word = "";
  let single = false;
  let double = false;
  for (; i < text.length; i++) {
    const c = text[i];
    if (!single && c === "\\") {
      i++;
      if (i >= text.length) throw new ParseError("dangling \\");
      word += text[i];
    } else if (!double && c === "'") {
      single = !single;
    } else if (!single && c === '"') {
      double = !double;
    } else if (!single && !double && (c === " " || c === "\t" || c === "\n" || c === ";")) {
      break;
    } else {
      word += c;
    }
  }
  if (double) throw new ParseError('missing "');
  return [word, i];
}

/** "--name" or "--name=value" with an alphanumeric first letter is an option; anything else is data. */
function optionWord(word: string): { name: string; value?: string } | undefined {
  if (!word.startsWith("--") || word.length < 3 || !/[A-Za-z0-9]/.test(word[2])) return undefined;
  const eq = word.indexOf("=");
  return eq < 0 ? { name: word.slice(2) } : { name: word.slice(2, eq), value: word.slice(eq + 1) };
}

/** Matches one command's words (the first is its name) against its option table. */
export function parseCommand<Ctx>(words: readonly string[], find: (name: string) => CommandDef<Ctx> | undefined): ParsedCommand<Ctx> {
  const def = find(words[0]);
  if (!def) throw new ParseError(`unknown command: '${words[0]}'`);
  const values: OptionValues = new Map();
  let dataOnly = false;
  const nextPositional = (): OptionDef | undefined =>
    def.options.find((o) => o.kind !== "bool" && o.positional !== false && (o.kind === "argv" || !values.has(o.name)));

  for (let i = 1; i < words.length; i++) {
    const word = words[i];
    const option = dataOnly ? undefined : optionWord(word);
    if (!dataOnly && word === "--") {
      dataOnly = true;
      continue;
    }
    if (!option) {
      const target = nextPositional();
      if (!target) throw new ParseError(`unexpected data '${word}'`);
      store(values, target, word);
      continue;
    }
    const opt = def.options.find((o) => o.name === option.name);
    if (!opt) throw new ParseError(`command '${def.name}' doesn't support option --${option.name}`);
    if (opt.kind !== "argv" && values.has(opt.name)) throw new ParseError(`option --${opt.name} already seen`);
    if (opt.kind === "bool") {
      if (option.value !== undefined) throw new ParseError(`invalid '=' after option --${opt.name}`);
      values.set(opt.name, true);
      continue;
    }
    let value = option.value;
    if (value === undefined) {
      if (i + 1 >= words.length) throw new ParseError(`expected syntax: --${opt.name} <${opt.kind === "number" ? "number" : "string"}>`);
      value = words[++i];
    }
    store(values, opt, value);
  }

  for (const opt of def.options) {
    if (opt.required && !values.has(opt.name)) {
      throw new ParseError(opt.kind === "number" ? `command '${def.name}' requires --${opt.name} option` : `command '${def.name}' requires <${opt.name}> option`);
    }
  }
  return { def, values };
}

function store(values: OptionValues, opt: OptionDef, value: string): void {
  if (opt.kind === "argv") {
    const list = values.get(opt.name);
    if (Array.isArray(list)) list.push(value);
    else values.set(opt.name, [value]);
  } else {
    values.set(opt.name, value);
  }
}
