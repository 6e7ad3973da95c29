#!/usr/bin/env bash
# npm run kind:up: create the kind cluster from kind/cluster.yaml (once), then write the local
# stack (Pulumi.local.yaml, git-ignored) from Pulumi.dev.yaml and the kind network Docker actually
# gave the cluster: NetworkPolicy CIDRs, the MetalLB range, host names on the network's gateway.
# No committed file is written.
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
    # kind resolves the relative extraMounts host paths of kind/cluster.yaml against its working directory.
    mkdir -p "$DIRACX_CS_STORE_DIR"
    (cd "$ROOT" && kind create cluster --name "$CLUSTER_NAME" --config "$KIND_CONFIG" --wait 180s)
    # A DiracX config store left by an earlier cluster would make the chart's init-cs job refuse to start.
    if [ -e "$DIRACX_CS_STORE_DIR/initialRepo" ]; then
        echo "removing the DiracX config store of an earlier cluster ($DIRACX_CS_STORE_DIR/initialRepo)"
        docker exec "$CLUSTER_NAME-control-plane" rm -rf /local_cs_store/initialRepo
    fi
fi

write_local_stack
echo "done: context kind-$CLUSTER_NAME; next: npm run deploy:dev"
