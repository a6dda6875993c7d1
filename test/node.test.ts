import { describeRuntime } from "./suite.ts";
import { node } from "./runtimes.ts";

describeRuntime(node);
