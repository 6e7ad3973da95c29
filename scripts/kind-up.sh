#!/usr/bin/env bash
# npm run kind:up: create the kind cluster from kind/cluster.yaml (once), detect the kind network's
# address range and write the MetalLB address range into the dev stack's config.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_commands docker kind node || exit 1
require_kind_version || exit 1
docker info >/dev/null 2>&1 || die "docker is installed but the daemon is not reachable (start Docker, or check your permissions on its socket)"
[ -f "$KIND_CONFIG" ] || die "the kind config $KIND_CONFIG is missing"

if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
    echo "kind cluster '$CLUSTER_NAME' already exists; leaving it as it is"
else
    kind create cluster --name "$CLUSTER_NAME" --config "$KIND_CONFIG" --wait 180s
fi

subnet=$(kind_ipv4_subnet)
range=$(metallb_range "$subnet")
echo "kind network $subnet: MetalLB range $range"

if command -v pulumi >/dev/null 2>&1; then
    use_local_backend
    ensure_dev_stack
    (cd "$ROOT" && pulumi config set --stack dev --path 'metallb.addresses[0]' "$range")
else
    echo "note: the pulumi CLI is not installed; editing Pulumi.dev.yaml directly"
    node "$ROOT/scripts/set-metallb-range.mjs" "$ROOT/Pulumi.dev.yaml" "$range"
fi
echo "done: context kind-$CLUSTER_NAME; next: npm run deploy:dev"
