#!/usr/bin/env node
// The `virtkit` executable. Start-up time is most of what a command costs, so this file stays
// small: it sets V8 decoding core.wasm in the background, then loads the command line (the
// bigger part) from V8's code cache when one matches, so its source need not be compiled again.
// The build writes the cache (VIRTKIT_WRITE_CODE_CACHE=1 after a representative command); a
// stale one (another Node version) is simply rejected by V8 and rewritten when possible.
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Script } from "node:vm";

const compiling = WebAssembly.compile(readFileSync(join(__dirname, "..", "wasm", "core.wasm")));
compiling.catch(() => undefined); // a failure surfaces where the module is awaited

const mainFile = join(__dirname, "cli-main.cjs");
const cacheFile = join(__dirname, "cli-main.codecache");
let cachedData: Buffer | undefined;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
// The same wrapper Node puts around a CommonJS file.
const wrapped = `(function (exports, require, module, __filename, __dirname) {${readFileSync(mainFile, "utf8")}\n})`;
const script = new Script(wrapped, { filename: mainFile, cachedData });
const module = { exports: {} as typeof import("./main.js") };
script.runInThisContext().call(module.exports, module.exports, require, module, mainFile, __dirname);

const refresh = process.env.VIRTKIT_WRITE_CODE_CACHE === "1" || cachedData === undefined || script.cachedDataRejected === true;
void module.exports.main(compiling).then(() => {
  if (!refresh) return;
  // After the run, the cache also holds the functions the command compiled.
  try {
    const temp = `${cacheFile}.${process.pid}`;
    writeFileSync(temp, script.createCachedData());
    renameSync(temp, cacheFile);
  } catch {
    // a read-only installation keeps compiling from source
  }
});
