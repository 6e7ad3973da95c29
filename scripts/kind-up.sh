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
    # kind resolves the relative extraMounts host paths of kind/cluster.yaml against its working directory.
    mkdir -p "$DIRACX_CS_STORE_DIR"
    (cd "$ROOT" && kind create cluster --name "$CLUSTER_NAME" --config "$KIND_CONFIG" --wait 180s)
    # A DiracX config store left by an earlier cluster would make the chart's init-cs job refuse to start.
    if [ -e "$DIRACX_CS_STORE_DIR/initialRepo" ]; then
        echo "removing the DiracX config store of an earlier cluster ($DIRACX_CS_STORE_DIR/initialRepo)"
        docker exec "$CLUSTER_NAME-control-plane" rm -rf /local_cs_store/initialRepo
    fi
fi

subnet=$(kind_ipv4_subnet)
range=$(metallb_range "$subnet")
gateway=$(kind_ipv4_gateway)
echo "kind network $subnet: MetalLB range $range, gateway $gateway"

if command -v pulumi >/dev/null 2>&1; then
    use_local_backend
    ensure_dev_stack
    (cd "$ROOT" && pulumi config set --stack dev --path 'metallb.addresses[0]' "$range")
    # DiracX's API pod resolves its loopback host name to the gateway, where the host's port mappings answer.
    (cd "$ROOT" && pulumi config set --stack dev --path 'diracx.ipAlias' "$gateway")
else
    echo "note: the pulumi CLI is not installed; editing Pulumi.dev.yaml directly"
    node "$ROOT/scripts/set-metallb-range.mjs" "$ROOT/Pulumi.dev.yaml" "$range"
    grep -q "ipAlias: $gateway\$" "$ROOT/Pulumi.dev.yaml" || echo "note: set research-platform:diracx.ipAlias to $gateway in Pulumi.dev.yaml (the kind network's gateway)"
fi
echo "done: context kind-$CLUSTER_NAME; next: npm run deploy:dev"
