import test from "ava";
import { loadNativeShim } from "../../src/host/native.js";

test("the native shim addon loads and reports its version", (t) => {
  t.regex(loadNativeShim().version(), /^\d+\.\d+\.\d+$/);
});
