#!/usr/bin/env bash
# npm run deploy:dev [-- PULUMI_UP_FLAGS]: deploy the dev configuration to the kind cluster as the
# stack "local" (Pulumi.local.yaml: Pulumi.dev.yaml plus the kind network's values, rewritten here
# so edits to Pulumi.dev.yaml apply) from a local file backend (.pulumi/), creating the stack with
# the passphrase secrets provider if needed. Passphrase: PULUMI_CONFIG_PASSPHRASE (or _FILE), else
# the documented dev default.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_commands docker kind pulumi node npm || exit 1
kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME" || die "the kind cluster '$CLUSTER_NAME' does not exist; run npm run kind:up first"

cd "$ROOT"
[ -d node_modules ] || npm ci --no-audit --no-fund
write_local_stack
use_local_backend
ensure_local_stack
# Pulumi.yaml runs the compiled program in bin/.
npm run compile
pulumi up --stack "$LOCAL_STACK" "$@"
echo
echo "deployed. The URLs and logins: npm run dev:outputs (add -- --show-secrets for the passwords); see README, \"After deploy\"."
