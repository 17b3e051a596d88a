// The shape of the ABI table (table.mjs), for TypeScript readers of it (tests).
export interface TableOperation {
  /** The implementation's file in core-wasm/operations/. */
  module: string;
  doc?: string;
  /** Scalar arguments, in order. */
  args?: Record<string, "node" | "i32" | "f64" | "bool">;
  /** Fields in the input buffer, in order: document, text, bytes, list:bytes, uuid or a record's name. */
  input?: Record<string, string>;
  /** void, text, bytes, i32, a record's name, or list:<record or string>. */
  output?: string;
  /** The VMM's exit path: numbers in, `result` out, no buffers and no error. */
  direct?: boolean;
  result?: "i32" | "void";
  events?: boolean;
  keepsEvents?: boolean;
}

export declare const operations: Record<string, TableOperation>;
export declare const records: Record<string, { doc: string; fields: Record<string, string> }>;
export declare const internalEnums: Record<string, { core: string; doc: string; values: Record<string, number> }>;
export declare const libvirtEnums: Record<string, { core: string; prefix: string; values: Record<string, number> }>;
