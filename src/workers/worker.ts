// Workers entry point. `public/` is served by Static Assets (wrangler.toml),
// before the Worker runs, so the app has no static middleware here.
import { createApp } from "../app.ts";
import { upgradeWebSocket } from "./websocket.ts";

export default createApp({ runtime: "workers", upgradeWebSocket });
