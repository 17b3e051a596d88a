#!/usr/bin/env node
// The `virtkit` executable: runs the command line against this process's terminal.
import { runVirtkit } from "./run.js";

process.exitCode = await runVirtkit(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  cwd: process.cwd(),
  env: process.env,
  stdin: process.stdin,
  isTTY: process.stdin.isTTY === true && process.stdout.isTTY === true,
});
