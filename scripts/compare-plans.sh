#!/usr/bin/env bash
# Compare the offline plans of a git ref with the working tree's:
#
#   bash scripts/compare-plans.sh <git-ref>      (npm run plan:compare -- <git-ref>)
#
# Plans both stacks (dev, and prod with placeholder secrets, as CI does) at <git-ref>, checked out
# in a temporary git worktree that borrows this tree's node_modules, and in the working tree; then
# `diff -r`s the two plan folders. Prints "plans identical" and exits 0 when every artifact is
# byte for byte the same; otherwise prints the differences and exits 1. For changes that must not
# change what is deployed (refactorings, moves, dependency-free clean-ups).
#
# Both sides read the same reference data (CHART_REFERENCE_DIR, default ../shared/reference
# beside this project) and chart sources for the Helm rendering (CHART_SOURCE_DIR, default
# ../shared/reference/chart-src), pull no chart, and start from empty caches of their own.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ref="${1:-}"
if [ -z "$ref" ] || [ "$#" -ne 1 ]; then
    echo "usage: bash scripts/compare-plans.sh <git-ref>" >&2
    exit 2
fi
commit="$(git -C "$ROOT" rev-parse --verify --quiet "${ref}^{commit}")" || {
    echo "error: ${ref} is not a commit of this repository" >&2
    exit 2
}
[ -d "$ROOT/node_modules" ] || {
    echo "error: no node_modules in ${ROOT}: run npm ci first" >&2
    exit 2
}

# Both sides must see the same reference data: the default is relative to each checkout.
reference="${CHART_REFERENCE_DIR:-$ROOT/../shared/reference}"
case "$reference" in
    /*) ;;
    *) reference="$PWD/$reference" ;;
esac
export CHART_REFERENCE_DIR="$reference"
[ -d "$reference" ] || echo "note: no reference data at ${reference} (set CHART_REFERENCE_DIR): both sides skip the checks that need it" >&2
# The same for the chart sources Helm renders (the ref's checkout has no ../shared beside it).
sources="${CHART_SOURCE_DIR:-$ROOT/../shared/reference/chart-src}"
case "$sources" in
    /*) ;;
    *) sources="$PWD/$sources" ;;
esac
export CHART_SOURCE_DIR="$sources" PLAN_CHART_PULL=0
[ -d "$sources" ] || echo "note: no chart sources at ${sources} (set CHART_SOURCE_DIR): both sides leave the Helm releases unrendered" >&2

tmp="$(mktemp -d)"
base="$tmp/checkout"
cleanup() {
    git -C "$ROOT" worktree remove --force "$base" >/dev/null 2>&1 || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# plan_both DIR OUT: the offline plans of dev and prod, from the project in DIR, into OUT/dev and OUT/prod.
plan_both() {
    local dir="$1" out="$2"
    (
        cd "$dir"
        export PLAN_CACHE_DIR="$out.cache"
        # As npm run compile does at that ref: scripts/build.mjs where the ref has it, else prune + tsc.
        if [ -f scripts/build.mjs ]; then
            node scripts/build.mjs
        else
            if [ -f scripts/prune-bin.mjs ]; then node scripts/prune-bin.mjs; fi
            npx tsc -p tsconfig.build.json
        fi
        node bin/tools/plan.js --stack dev --out "$out/dev" >/dev/null
        node bin/tools/plan.js --stack prod --placeholder-secrets --out "$out/prod" >/dev/null
    )
}

git -C "$ROOT" worktree add --quiet --detach "$base" "$commit"
ln -s "$ROOT/node_modules" "$base/node_modules"

echo "planning ${ref} (${commit:0:12})..."
plan_both "$base" "$tmp/before"
echo "planning the working tree..."
plan_both "$ROOT" "$tmp/after"

if diff -r "$tmp/before" "$tmp/after"; then
    echo "plans identical: dev and prod at ${ref} and in the working tree ($(find "$tmp/after" -type f | wc -l) files)"
else
    echo "plans differ between ${ref} and the working tree (see above)" >&2
    exit 1
fi
