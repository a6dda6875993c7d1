import { workersMiniflare } from "../runtimes.ts";
import { describeConformance } from "./conformance.ts";

describeConformance(workersMiniflare);
