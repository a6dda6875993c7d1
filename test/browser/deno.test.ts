import { describeBrowser } from "./suite.ts";
import { deno } from "../runtimes.ts";

describeBrowser(deno);
