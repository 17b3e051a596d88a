// core.wasm's exports: the calling machinery (abi/runtime.ts) and the operations the ABI table
// declares (abi/table.mjs; abi/exports.gen.ts wraps the implementations in operations/).
export { inputBuffer, outputPtr, outputLen, lastErrorCode, lastErrorDomain, eventCount } from "./abi/runtime";
export * from "./abi/exports.gen";
