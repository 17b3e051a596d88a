// The `virtkitd` executable.
import { runDaemon } from "./main.js";

void runDaemon(process.argv.slice(2)).then((status) => process.exit(status));
