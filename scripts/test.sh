#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds, runs every vitest project
# (unit, integration against real Redis and a real OpenID provider, end-to-end in
# headless Chromium), and ends with one plain line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

pnpm install --frozen-lockfile --prefer-offline >/dev/null || { echo "pnpm install failed"; echo "0 passed, 1 failed"; exit 1; }
node scripts/ensure-test-tools.mjs || { echo "0 passed, 1 failed"; exit 1; }
pnpm build >/dev/null || { pnpm build; echo "0 passed, 1 failed"; exit 1; }

mkdir -p .vitest
rm -f .vitest/results.json
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=.vitest/results.json "$@"
status=$?
node scripts/print-totals.mjs .vitest/results.json || status=1
exit $status
