import { workersWrangler } from "../runtimes.ts";
import { describeConformance } from "./conformance.ts";

describeConformance(workersWrangler);
