import { describeRuntime } from "./suite.ts";
import { workersMiniflare } from "./runtimes.ts";

describeRuntime(workersMiniflare);
