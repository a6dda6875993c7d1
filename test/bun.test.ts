import { describeRuntime } from "./suite.ts";
import { bun } from "./runtimes.ts";

describeRuntime(bun);
