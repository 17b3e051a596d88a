// Loads the native shim addon (build/Release/vshim.node), built by `npm ci`.
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface NativeShim {
  version(): string;
}

let cached: NativeShim | undefined;

export function loadNativeShim(): NativeShim {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  for (const rel of ["../build/Release/vshim.node", "../../build/Release/vshim.node"]) {
    const path = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(path)) return (cached = require(path) as NativeShim);
  }
  throw new Error("build/Release/vshim.node is missing (run `npm run build:addon`)");
}
