import { describeRuntime } from "./suite.ts";
import { workersWrangler } from "./runtimes.ts";

describeRuntime(workersWrangler);
