#!/usr/bin/env bash
# npm run kind:up: create the kind cluster from kind/cluster.yaml (once), then write the local
# stack (Pulumi.local.yaml, git-ignored) from Pulumi.dev.yaml and the kind network Docker actually
# gave the cluster: NetworkPolicy CIDRs, the MetalLB range, host names on the network's gateway.
# No committed file is written.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_commands docker kind node || exit 1
docker info >/dev/null 2>&1 || die "docker is installed but the daemon is not reachable (start Docker, or check your permissions on its socket)"
[ -f "$KIND_CONFIG" ] || die "the kind config $KIND_CONFIG is missing"
[ -d "$ROOT/node_modules" ] || die "no node_modules in $ROOT: run npm ci first"

if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
    echo "kind cluster '$CLUSTER_NAME' already exists; leaving it as it is"
else
    kind create cluster --name "$CLUSTER_NAME" --config "$KIND_CONFIG" --wait 180s
fi

write_local_stack
echo "done: context kind-$CLUSTER_NAME; next: npm run deploy:dev"
