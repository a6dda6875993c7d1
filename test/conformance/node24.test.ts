import { node24 } from "../runtimes.ts";
import { describeConformance } from "./conformance.ts";

describeConformance(node24);
