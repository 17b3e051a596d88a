// The test:/// driver's suite (test-driver-suite.ts) on the local driver.
import { openConnection } from "../../src/index.js";
import { testDriverSuite } from "./test-driver-suite.js";

testDriverSuite({ open: openConnection, uriOf: (uri) => uri, differences: new Map() });
