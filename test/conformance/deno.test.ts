import { deno } from "../runtimes.ts";
import { describeConformance } from "./conformance.ts";

describeConformance(deno);
