// Waiting on what a stream says (a console, a pty): resolves once the text has been seen, however
// the bytes were split across reads.
import type { Readable } from "node:stream";

export function textAppears(stream: Readable, text: string, encoding: BufferEncoding = "utf8"): Promise<void> {
  let seen = "";
  return new Promise((resolve) =>
    stream.on("data", (b: Buffer) => {
      seen += b.toString(encoding);
      if (seen.includes(text)) resolve();
    }),
  );
}
