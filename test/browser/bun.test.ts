import { describeBrowser } from "./suite.ts";
import { bun } from "../runtimes.ts";

describeBrowser(bun);
