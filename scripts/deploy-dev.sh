#!/usr/bin/env bash
# npm run deploy:dev [-- PULUMI_UP_FLAGS]: deploy the dev stack to the kind cluster from a local
# file backend (.pulumi/), creating the stack with the passphrase secrets provider if needed.
# Passphrase: PULUMI_CONFIG_PASSPHRASE (or _FILE), else the documented dev default.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_commands pulumi node npm || exit 1
if command -v kind >/dev/null 2>&1 && ! kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
    die "the kind cluster '$CLUSTER_NAME' does not exist; run npm run kind:up first"
fi

cd "$ROOT"
[ -d node_modules ] || npm ci --no-audit --no-fund
use_local_backend
ensure_dev_stack
# Pulumi.yaml runs the compiled program in bin/.
npm run compile
pulumi up --stack dev "$@"
