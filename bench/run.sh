#!/bin/sh
# `npm run bench`: builds the bench (Node 20 runs no TypeScript by itself) and
# runs it with as many open files as allowed: the connection-scale mode holds
# 10,000 sockets in the client and as many in the server, which inherits this limit.
set -e
ulimit -n "$(ulimit -Hn)" 2>/dev/null || echo "bench: could not raise ulimit -n above $(ulimit -n)" >&2
node_modules/.bin/esbuild bench/run.ts bench/client.ts bench/native/hono-node.ts --bundle --platform=node --format=esm \
  --packages=external --outdir=dist/bench --log-level=warning
exec node dist/bench/run.js "$@"
