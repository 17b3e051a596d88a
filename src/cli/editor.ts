// Hands a document to the user's editor ($VISUAL, else $EDITOR, else vi) through a temporary
// file, as virsh's edit commands do, and returns what the editor left there.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CommandContext } from "./context.js";

/** Quotes a path for /bin/sh. */
const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function editInEditor(ctx: CommandContext, text: string): string {
  const env = ctx.session.io.env;
  const editor = env.VISUAL || env.EDITOR || "vi";
  const file = join(env.TMPDIR || tmpdir(), `virtkit${randomBytes(4).toString("hex")}.xml`);
  writeFileSync(file, text, { mode: 0o600, flag: "wx" });
  try {
    ctx.session.flush();
    // The editor gets the terminal; its command line may carry its own arguments ("code -w").
    const child = spawnSync("/bin/sh", ["-c", `${editor} ${shellQuote(file)}`], { stdio: "inherit", env: env as NodeJS.ProcessEnv });
    if (child.error || child.status !== 0) {
      const how = child.error ? child.error.message : child.signal ? `fatal signal ${child.signal}` : `unexpected exit status ${child.status}`;
      ctx.fail(`internal error: Child process (${editor} ${file}) ${how}`);
    }
    return readFileSync(file, "utf8");
  } finally {
    unlinkSync(file);
  }
}
