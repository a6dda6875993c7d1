import { describeBrowser } from "./suite.ts";
import { workersMiniflare } from "../runtimes.ts";

describeBrowser(workersMiniflare);
