#!/usr/bin/env bash
# Install the pinned Helm into a cache outside the checkout, when it is not there yet, and print
# its path. The offline plan renders every Helm release with it (docs/helm-rendering.md).
#
#   bash scripts/install-helm.sh          # install if missing; prints the binary's path
#
# Where: $RESEARCH_PLATFORM_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/research-platform)
#        /helm/<version>/helm
# How:   go install helm.sh/helm/v3/cmd/helm@<version> from the Go module proxy (needs Go; a few
#        minutes on a cold module cache), with the version stamped in as Helm's own release
#        build does, so that `helm version` names it.
#
# The version is the Helm library that the Kubernetes provider of @pulumi/kubernetes embeds, so
# `helm template` renders what `pulumi up` installs (the reasoning and the citation are in
# docs/helm-rendering.md). tools/plan-engine/helmBinary.ts pins the same version; a test checks
# that the two agree.
set -euo pipefail

HELM_VERSION="v3.20.2"

cache_root="${RESEARCH_PLATFORM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/research-platform}"
dir="$cache_root/helm/$HELM_VERSION"
dest="$dir/helm"

installed_version() {
    "$1" version --template '{{.Version}}' 2>/dev/null || true
}

if [ -x "$dest" ] && [ "$(installed_version "$dest")" = "$HELM_VERSION" ]; then
    echo "$dest"
    exit 0
fi

if ! command -v go >/dev/null 2>&1; then
    echo "error: Go is needed to build Helm $HELM_VERSION (go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION): install Go 1.24 or newer, or set HELM_BIN to a Helm $HELM_VERSION binary" >&2
    exit 1
fi

mkdir -p "$dir"
build=$(mktemp -d "$dir/.build.XXXXXX")
trap 'rm -rf "$build"' EXIT
echo "building Helm $HELM_VERSION into $dest (go install; a few minutes on a cold module cache)" >&2
GOBIN="$build" go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
got=$(installed_version "$build/helm")
if [ "$got" != "$HELM_VERSION" ]; then
    echo "error: the built Helm reports version '$got', expected $HELM_VERSION" >&2
    exit 1
fi
# Rename into place: a concurrent plan never sees half a binary.
mv -f "$build/helm" "$dest"
echo "$dest"
