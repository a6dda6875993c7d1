import { describeRuntime } from "./suite.ts";
import { deno } from "./runtimes.ts";

describeRuntime(deno);
