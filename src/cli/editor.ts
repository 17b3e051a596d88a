// Hands a document to the user's editor ($VISUAL, else $EDITOR, else vi) through a temporary
// file, as virsh's edit commands do, and returns what the editor left there.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CommandContext } from "./context.js";
import { decodeDocument } from "../host/utf8.js";

/** Quotes a path for /bin/sh. */
const shellQuote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/** `name` names the file the editor sees. */
export async function editInEditor(ctx: CommandContext, text: string, name = "domain.xml"): Promise<string> {
  const env = ctx.session.io.env;
  const editor = env.VISUAL || env.EDITOR || "vi";
  // A private directory (mode 0700, unpredictable name) holds the file while it is edited.
  const dir = mkdtempSync(join(env.TMPDIR || tmpdir(), "virtkit"));
  const file = join(dir, name);
  writeFileSync(file, text, { mode: 0o600 });
  try {
    ctx.session.flush();
    const { spawnSync } = await import("node:child_process");
    // The editor gets the terminal; its command line may carry its own arguments ("code -w").
    const child = spawnSync("/bin/sh", ["-c", `${editor} ${shellQuote(file)}`], { stdio: "inherit", env: env as NodeJS.ProcessEnv });
    if (child.error || child.status !== 0) {
      const how = child.error ? child.error.message : child.signal ? `fatal signal ${child.signal}` : `unexpected exit status ${child.status}`;
      ctx.fail(`internal error: Child process (${editor} ${file}) ${how}`);
    }
    return decodeDocument(readFileSync(file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
