#!/usr/bin/env bash
# npm run dev:outputs [-- FLAGS]: the stack outputs of the kind deployment (stack "local" in the
# local backend .pulumi/), e.g. `npm run dev:outputs -- --show-secrets` or `-- jupyterhubUrl`.
# Sets PULUMI_BACKEND_URL for this command only, as deploy:dev does.
set -euo pipefail
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

require_commands pulumi || exit 1
[ -d "$STATE_DIR" ] || die "no local backend at $STATE_DIR: run npm run kind:up and npm run deploy:dev first"
cd "$ROOT"
use_local_backend
pulumi stack output --stack "$LOCAL_STACK" "$@"
