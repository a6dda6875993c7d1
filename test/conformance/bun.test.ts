import { bun } from "../runtimes.ts";
import { describeConformance } from "./conformance.ts";

describeConformance(bun);
