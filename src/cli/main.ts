// The command line's entry: runs virtkit against this process's terminal. The launcher
// (launch.cts) may hand over core.wasm already compiled.
import { writeSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { provideCoreModule } from "../host/core.js";
import { runVirtkit } from "./run.js";

/**
 * Writes to fd 1 or 2 directly: creating process.stdout/stderr streams costs more start-up time
 * than a short command takes. Falls back to the stream when the descriptor would block.
 */
function writer(fd: 1 | 2): (text: string) => void {
  let stream: NodeJS.WriteStream | undefined;
  return (text) => {
    if (stream) {
      stream.write(text);
      return;
    }
    const bytes = Buffer.from(text);
    let done = 0;
    try {
      while (done < bytes.length) done += writeSync(fd, bytes, done);
    } catch (e) {
      // The reader went away (`virtkit ... | head`): stop as a C program killed by SIGPIPE would.
      if ((e as NodeJS.ErrnoException).code === "EPIPE") process.exit(128 + 13);
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      stream = fd === 1 ? process.stdout : process.stderr;
      stream.write(bytes.subarray(done));
    }
  };
}

export async function main(precompiled?: Promise<WebAssembly.Module>): Promise<void> {
  if (process.argv[2] === "daemon") {
    // `virtkit daemon ARGS` is `virtkitd ARGS`: the daemon is a bundle of its own beside this one
    process.argv.splice(2, 1);
    createRequire(import.meta.url)(fileURLToPath(new URL("./virtkitd.cjs", import.meta.url)));
    return;
  }
  if (precompiled) provideCoreModule(await precompiled);
  process.exitCode = await runVirtkit(process.argv.slice(2), {
    stdout: writer(1),
    stderr: writer(2),
    cwd: process.cwd(),
    env: process.env,
    stdin: () => process.stdin,
    isTTY: () => process.stdin.isTTY === true && process.stdout.isTTY === true,
  });
}
