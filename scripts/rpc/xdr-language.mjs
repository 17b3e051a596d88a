// Reads the XDR language (RFC 4506 §6) as libvirt's protocol files use it: constants, enums,
// typedefs, structs and unions, with `%` pass-through lines skipped. Each enum value keeps the
// comment before it, where libvirt writes a procedure's annotations (@generate, @priority, @acl,
// @readstream, …). Constants that libvirt's C headers define are given by the caller.

/** Splits a file into tokens; a comment is kept for the token after it. */
function tokenize(text) {
  const tokens = [];
  let comment = null;
  let i = 0;
  const lineStart = () => i === 0 || text[i - 1] === "\n";
  while (i < text.length) {
    const c = text[i];
    if (c === "%" && lineStart()) {
      i = text.indexOf("\n", i) + 1 || text.length;
    } else if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith("/*", i)) {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) throw new Error("a comment never ends");
      comment = text.slice(i + 2, end);
      i = end + 2;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i, i + 200));
      tokens.push({ kind: "word", text: m[0], comment });
      comment = null;
      i += m[0].length;
    } else if (/[-0-9]/.test(c)) {
      const m = /^-?(0x[0-9a-fA-F]+|[0-9]+)/.exec(text.slice(i, i + 40));
      if (!m) throw new Error(`a number was expected at "${text.slice(i, i + 20)}"`);
      tokens.push({ kind: "number", text: m[0], comment });
      comment = null;
      i += m[0].length;
    } else {
      tokens.push({ kind: "punct", text: c, comment });
      comment = null;
      i++;
    }
  }
  return tokens;
}

const SCALAR_WORDS = new Set(["int", "hyper", "char", "short", "float", "double", "bool", "quadruple"]);

/**
 * Parses one or more files into a spec:
 *   constants: Map name → number
 *   enums: Map name → [{ name, value, comment }]
 *   types: [{ name, kind: "typedef" | "struct" | "union", … }] in file order
 */
export function parseXdr(files, knownConstants) {
  const constants = new Map(Object.entries(knownConstants));
  const enums = new Map();
  const types = [];
  for (const text of files) new Parser(tokenize(text), constants, enums, types).file();
  return { constants, enums, types };
}

class Parser {
  constructor(tokens, constants, enums, types) {
    Object.assign(this, { tokens, constants, enums, types, at: 0 });
  }

  peek() {
    return this.tokens[this.at];
  }

  next() {
    const t = this.tokens[this.at++];
    if (!t) throw new Error("the file ends early");
    return t;
  }

  expect(text) {
    const t = this.next();
    if (t.text !== text) throw new Error(`"${text}" was expected, not "${t.text}" (token ${this.at})`);
    return t;
  }

  word() {
    const t = this.next();
    if (t.kind !== "word") throw new Error(`a name was expected, not "${t.text}"`);
    return t.text;
  }

  /** A number or the name of a constant. */
  value() {
    const t = this.next();
    if (t.kind === "number") return Number(t.text);
    if (this.constants.has(t.text)) return this.constants.get(t.text);
    for (const values of this.enums.values()) {
      const found = values.find((v) => v.name === t.text);
      if (found) return found.value;
    }
    throw new Error(`unknown constant ${t.text}`);
  }

  file() {
    while (this.peek()) {
      const keyword = this.word();
      if (keyword === "const") {
        const name = this.word();
        this.expect("=");
        this.constants.set(name, this.value());
        this.expect(";");
      } else if (keyword === "enum") {
        const name = this.word();
        this.enums.set(name, this.enumBody());
        this.expect(";");
      } else if (keyword === "typedef") {
        this.types.push({ kind: "typedef", ...this.declaration() });
        this.expect(";");
      } else if (keyword === "struct") {
        const name = this.word();
        this.types.push({ kind: "struct", name, fields: this.structBody() });
        this.expect(";");
      } else if (keyword === "union") {
        const name = this.word();
        this.types.push({ kind: "union", name, ...this.unionBody() });
        this.expect(";");
      } else {
        throw new Error(`unexpected "${keyword}" at the top level`);
      }
    }
  }

  enumBody() {
    this.expect("{");
    const values = [];
    for (;;) {
      const t = this.next();
      if (t.text === "}") break;
      if (t.text === ",") continue;
      this.expect("=");
      values.push({ name: t.text, value: this.value(), comment: t.comment });
    }
    return values;
  }

  structBody() {
    this.expect("{");
    const fields = [];
    while (this.peek().text !== "}") {
      fields.push(this.declaration());
      this.expect(";");
    }
    this.expect("}");
    return fields;
  }

  unionBody() {
    this.expect("switch");
    this.expect("(");
    const discriminant = this.declaration();
    this.expect(")");
    this.expect("{");
    const arms = [];
    let defaultArm = null;
    while (this.peek().text !== "}") {
      const keyword = this.word();
      if (keyword === "default") {
        this.expect(":");
        defaultArm = this.declaration();
      } else {
        const value = this.value();
        this.expect(":");
        arms.push({ value, field: this.declaration() });
      }
      this.expect(";");
    }
    this.expect("}");
    return { discriminant, arms, defaultArm };
  }

  /** A type: { base: "int" | "unsigned int" | … | a type's name }. */
  typeSpec() {
    let word = this.word();
    if (word === "unsigned") {
      const t = this.peek();
      word = t.kind === "word" && SCALAR_WORDS.has(t.text) ? `unsigned ${this.next().text}` : "unsigned int";
    } else if (word === "struct" || word === "enum" || word === "union") {
      word = this.word();
    }
    return word;
  }

  /**
   * A declaration: { name, type, shape } where shape is "one", "optional", "fixed" (count),
   * "variable" (max, null when unbounded); "void" has no name.
   */
  declaration() {
    const type = this.typeSpec();
    if (type === "void") return { name: null, type: "void", shape: "one" };
    if (this.peek().text === "*") {
      this.next();
      return { name: this.word(), type, shape: "optional" };
    }
    const name = this.word();
    const t = this.peek();
    if (t.text === "[") {
      this.next();
      const count = this.value();
      this.expect("]");
      return { name, type, shape: "fixed", count };
    }
    if (t.text === "<") {
      this.next();
      const max = this.peek().text === ">" ? null : this.value();
      this.expect(">");
      return { name, type, shape: "variable", max };
    }
    return { name, type, shape: "one" };
  }
}

/** A procedure's annotations from the comment before it: { generate, priority, acl: [], readstream, … }. */
export function annotations(comment) {
  const found = { acl: [], aclfilter: [] };
  for (const m of (comment ?? "").matchAll(/@([a-z]+):\s*(\S+)/g)) {
    if (m[1] === "acl" || m[1] === "aclfilter") found[m[1]].push(m[2]);
    else found[m[1]] = m[2];
  }
  return found;
}
