#!/usr/bin/env bash
# npm run kind:down: delete the kind cluster and the dev stack's local state (which only
# described that cluster). Pulumi.dev.yaml (the committed config) is kept.
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
    if (cd "$ROOT" && pulumi stack select dev >/dev/null 2>&1); then
        # The cluster is gone, so forget its resources; --preserve-config keeps Pulumi.dev.yaml.
        (cd "$ROOT" && pulumi stack rm dev --force --yes --preserve-config)
    fi
fi
echo "done"
