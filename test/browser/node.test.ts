import { describeBrowser } from "./suite.ts";
import { node } from "../runtimes.ts";

describeBrowser(node);
