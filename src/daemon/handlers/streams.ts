// Calls that open a stream: the reply comes first, then the data flows as STREAM messages under
// the call's serial (DaemonClient.attachStream).
import type { Handlers } from "./types.js";

export const streamHandlers: Handlers = {
  DOMAIN_OPEN_CONSOLE: async (client, { dom, dev_name, flags }, serial) => {
    const stream = await client.domain(dom).openConsole(dev_name, flags);
    client.attachStream(serial, 201, stream);
  },
};
