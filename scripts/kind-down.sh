#!/usr/bin/env bash
# npm run kind:down: delete the kind cluster and the local stack's state (which only described that
# cluster) with its generated Pulumi.local.yaml. The committed Pulumi.dev.yaml is not touched.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_commands docker kind || exit 1

if kind get clusters 2>/dev/null | grep -qx "$CLUSTER_NAME"; then
    kind delete cluster --name "$CLUSTER_NAME"
else
    echo "kind cluster '$CLUSTER_NAME' does not exist; nothing to delete"
fi

if command -v pulumi >/dev/null 2>&1 && [ -d "$STATE_DIR" ]; then
    use_local_backend
    if (cd "$ROOT" && pulumi stack select "$LOCAL_STACK" >/dev/null 2>&1); then
        # The cluster is gone, so forget its resources (and the generated Pulumi.local.yaml).
        (cd "$ROOT" && pulumi stack rm "$LOCAL_STACK" --force --yes)
    fi
    # A dev stack an older kind:up created in this backend: --preserve-config keeps Pulumi.dev.yaml.
    if (cd "$ROOT" && pulumi stack select dev >/dev/null 2>&1); then
        (cd "$ROOT" && pulumi stack rm dev --force --yes --preserve-config)
    fi
fi
rm -f "$LOCAL_STACK_FILE"
echo "done"
