#!/usr/bin/env bash
# Builds the e2e toolchain from Go modules into a cache outside the checkout:
#   ${RP_E2E_CACHE:-~/.cache/research-platform/e2e}/<hash>/bin
# where <hash> covers e2e/toolchain/**, the npm versions in package-lock.json and `go version`.
# Each missing part is built (with its time); present parts are kept. Prints the cache folder
# on the last line of stdout. Usage: bash e2e/build-toolchain.sh [--check]  (--check: exit 3
# when something is missing, build nothing).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
tc="$here/toolchain"

lockver() { node -e "console.log(require('$root/package-lock.json').packages['node_modules/$1'].version)"; }
PULUMI_VERSION=$(lockver @pulumi/pulumi)
K8S_PROVIDER_VERSION=$(lockver @pulumi/kubernetes)
RANDOM_VERSION=$(lockver @pulumi/random)
CERT_MANAGER_VERSION=$(lockver @pulumi/kubernetes-cert-manager)
KWOK_VERSION=v0.8.0
KUBERNETES_VERSION=$(sed -n "s/^require k8s.io\/kubernetes \(v[0-9.]*\)\$/\1/p;s/^\s*k8s.io\/kubernetes \(v[0-9.]*\)\( .*\)\?\$/\1/p" "$tc/kubernetes/go.mod" | head -n1)
ETCD_VERSION=$(sed -n "s/^\s*go.etcd.io\/etcd\/server\/v3 \(v[0-9.]*\).*/\1/p;s/^require go.etcd.io\/etcd\/server\/v3 \(v[0-9.]*\)\$/\1/p" "$tc/etcd/go.mod" | head -n1)
# The provider module's one served version: the commit of v4.25.0 (see e2e/README.md).
K8S_PROVIDER_BUILT=4.25.0

# The wrapper must be at the SDK's release: a bump of @pulumi/pulumi needs e2e/toolchain/pulumi/go.mod bumped too.
if ! grep -Eq "github.com/pulumi/pulumi/pkg/v3 v${PULUMI_VERSION}( |\$)" "$tc/pulumi/go.mod"; then
    echo "build-toolchain: @pulumi/pulumi is ${PULUMI_VERSION} but e2e/toolchain/pulumi/go.mod pins another pkg/v3: update it" >&2
    exit 2
fi

hash=$( { cd "$tc" && find . -type f ! -name '*.json' | LC_ALL=C sort | xargs sha256sum;
          echo "$PULUMI_VERSION $K8S_PROVIDER_VERSION $RANDOM_VERSION $CERT_MANAGER_VERSION $KWOK_VERSION"; go version; } | sha256sum | cut -c1-16)
cache="${RP_E2E_CACHE:-$HOME/.cache/research-platform/e2e}/$hash"
bin="$cache/bin"

parts=(pulumi langhost kubernetes-provider random cert-manager etcd kwok kube-apiserver)
artifact() {
    case $1 in
        pulumi) echo pulumi ;;
        langhost) echo pulumi-language-nodejs ;;
        kubernetes-provider) echo pulumi-resource-kubernetes ;;
        random) echo pulumi-resource-random ;;
        cert-manager) echo pulumi-resource-kubernetes-cert-manager ;;
        etcd) echo etcd ;;
        kwok) echo kwok ;;
        kube-apiserver) echo kube-scheduler ;; # the last of the three control-plane binaries built together
    esac
}
missing=()
for p in "${parts[@]}"; do [ -x "$bin/$(artifact "$p")" ] || missing+=("$p"); done
[ -d "$cache/kwok-stages" ] || missing+=(kwok-stages)
if [ "${1:-}" = "--check" ]; then
    if [ "${#missing[@]}" -gt 0 ]; then echo "missing: ${missing[*]}"; echo "$cache"; exit 3; fi
    echo "$cache"; exit 0
fi

mkdir -p "$bin" "$cache/logs"
build() {
    local part=$1
    local t0=$SECONDS
    echo "build-toolchain: building $part ..." >&2
    local pflags=(-trimpath -tags osusergo,grpcnotrace)
    case $part in
        pulumi)
            (cd "$tc/pulumi" && go build "${pflags[@]}" -ldflags "-w -s -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${PULUMI_VERSION}" -o "$bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi) ;;
        langhost)
            (cd "$tc/pulumi" && go build "${pflags[@]}" -ldflags "-w -s -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v${PULUMI_VERSION}" -o "$bin/pulumi-language-nodejs" ./langhost) ;;
        kubernetes-provider)
            (cd "$tc/kubernetes-provider" && go mod download github.com/pulumi/pulumi-kubernetes/provider/v4 &&
                dir=$(go list -m -f '{{.Dir}}' github.com/pulumi/pulumi-kubernetes/provider/v4) &&
                install -m 0644 "$dir/cmd/pulumi-resource-kubernetes/schema.json" schema.json &&
                install -m 0644 "$dir/cmd/pulumi-resource-kubernetes/terraform-mapping.json" terraform-mapping.json &&
                go build "${pflags[@]}" -ldflags "-w -s -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=${K8S_PROVIDER_BUILT}" -o "$bin/pulumi-resource-kubernetes" .) ;;
        random)
            (cd "$tc/plugins" && go build "${pflags[@]}" -ldflags "-w -s -X main.Version=${RANDOM_VERSION}" -o "$bin/pulumi-resource-random" ./random) ;;
        cert-manager)
            (cd "$tc/plugins" && go build "${pflags[@]}" -ldflags "-w -s -X main.Version=${CERT_MANAGER_VERSION}" -o "$bin/pulumi-resource-kubernetes-cert-manager" ./certmanager) ;;
        etcd)
            (cd "$tc/etcd" && go build -trimpath -ldflags "-w -s" -o "$bin/etcd" .) ;;
        kwok)
            (cd "$cache" && GOBIN="$bin" GOFLAGS=-trimpath go install "sigs.k8s.io/kwok/cmd/kwok@${KWOK_VERSION}") ;;
        kube-apiserver)
            # The version ldflags of upstream's hack/lib/version.sh: without them the API server
            # reports v0.0.0 and Helm refuses every chart with a kubeVersion constraint.
            minor=${KUBERNETES_VERSION#v1.}; minor=${minor%%.*}
            kv=""
            for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
                kv+=" -X $pkg.gitVersion=${KUBERNETES_VERSION} -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor} -X $pkg.gitTreeState=clean"
            done
            (cd "$tc/kubernetes" && go build -trimpath -ldflags "-w -s${kv}" -o "$bin/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler) ;;
        kwok-stages)
            # kwok's own "fast" node and pod stages and its node heartbeat (with leases), from its
            # module: what kwokctl embeds by default.
            (cd "$cache" && go mod download "sigs.k8s.io/kwok@${KWOK_VERSION}" >/dev/null &&
                dir=$(go mod download -json "sigs.k8s.io/kwok@${KWOK_VERSION}" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p') &&
                mkdir -p kwok-stages.tmp && cp "$dir"/kustomize/stage/node/fast/node-*.yaml "$dir"/kustomize/stage/node/heartbeat-with-lease/node-*.yaml "$dir"/kustomize/stage/pod/fast/pod-*.yaml kwok-stages.tmp/ &&
                chmod u+w kwok-stages.tmp/* && mv kwok-stages.tmp kwok-stages) ;;
    esac > "$cache/logs/$part.log" 2>&1 || { echo "build-toolchain: $part FAILED after $((SECONDS - t0))s; log: $cache/logs/$part.log" >&2; tail -n 20 "$cache/logs/$part.log" >&2; exit 1; }
    printf '%s\t%s\n' "$part" "$((SECONDS - t0))" >> "$cache/build-times.tsv"
    echo "build-toolchain: $part built in $((SECONDS - t0))s" >&2
}

total0=$SECONDS
for p in "${missing[@]}"; do build "$p"; done
[ "${#missing[@]}" -eq 0 ] || echo "build-toolchain: built ${missing[*]} in $((SECONDS - total0))s" >&2

cat > "$cache/versions.env" <<VERSIONS
PULUMI_VERSION=${PULUMI_VERSION}
K8S_PROVIDER_VERSION=${K8S_PROVIDER_VERSION}
K8S_PROVIDER_BUILT=${K8S_PROVIDER_BUILT}
RANDOM_VERSION=${RANDOM_VERSION}
CERT_MANAGER_VERSION=${CERT_MANAGER_VERSION}
KUBERNETES_VERSION=${KUBERNETES_VERSION}
ETCD_VERSION=${ETCD_VERSION}
KWOK_VERSION=${KWOK_VERSION}
GO_VERSION=$(go env GOVERSION)
VERSIONS
echo "$cache"
