import { node } from "../runtimes.ts";
import { describeConformance } from "./conformance.ts";

describeConformance(node);
