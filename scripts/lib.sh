#!/usr/bin/env bash
# shellcheck disable=SC2034  # the variables below are used by the scripts that source this file
# Shared helpers for kind-up.sh, kind-down.sh, deploy-dev.sh and dev-outputs.sh (sourced, not run).

# The project root (this file's parent directory).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
# The committed kind config and the cluster it names (context kind-<name>).
KIND_CONFIG="$ROOT/kind/cluster.yaml"
CLUSTER_NAME="research-platform"
# The oldest kind that supports the node image of kind/cluster.yaml (KIND_VERSION in
# config/kubernetes.ts; a test keeps them equal). kindnet enforces NetworkPolicies from v0.24.0.
MIN_KIND_VERSION="0.29.0"
# The local file backend (git-ignored), and the documented dev passphrase.
STATE_DIR="$ROOT/.pulumi"
# The host folder every kind node mounts at DiracX's config store path (kind/cluster.yaml extraMounts).
DIRACX_CS_STORE_DIR="$ROOT/.kind/diracx-cs-store"
DEV_PASSPHRASE_DEFAULT="research-platform-dev"
# The stack deploy:dev deploys: the committed Pulumi.dev.yaml plus what kind:up derived from the
# kind network actually created, written to the git-ignored Pulumi.local.yaml (scripts/local-stack.mjs).
# The committed files are never written.
LOCAL_STACK="local"
LOCAL_STACK_FILE="$ROOT/Pulumi.$LOCAL_STACK.yaml"

die() {
    echo "error: $*" >&2
    exit 1
}

# require_commands CMD...: fail listing every missing command and how to get it.
require_commands() {
    local missing=()
    local cmd
    for cmd in "$@"; do
        command -v "$cmd" >/dev/null 2>&1 || missing+=("$cmd")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        echo "error: missing prerequisite(s): ${missing[*]}" >&2
        for cmd in "${missing[@]}"; do
            case "$cmd" in
                docker) echo "  docker: install Docker Engine or Docker Desktop (https://docs.docker.com/get-docker/) and start it" >&2 ;;
                kind) echo "  kind: install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)" >&2 ;;
                pulumi) echo "  pulumi: install the Pulumi CLI (https://www.pulumi.com/docs/install/)" >&2 ;;
                node | npm) echo "  $cmd: install Node.js 20 (https://nodejs.org/)" >&2 ;;
                *) echo "  $cmd: install it and make sure it is on PATH" >&2 ;;
            esac
        done
        return 1
    fi
}

# version_at_least HAVE WANT: whether the dotted version HAVE (x.y.z) is WANT or newer.
version_at_least() {
    local have="$1" want="$2" i
    local -a h w
    IFS=. read -r -a h <<<"$have"
    IFS=. read -r -a w <<<"$want"
    for i in 0 1 2; do
        if [ "$((10#${h[$i]:-0}))" -gt "$((10#${w[$i]:-0}))" ]; then return 0; fi
        if [ "$((10#${h[$i]:-0}))" -lt "$((10#${w[$i]:-0}))" ]; then return 1; fi
    done
    return 0
}

# require_kind_version: fail unless the installed kind is MIN_KIND_VERSION or newer (`kind version`
# prints e.g. "kind v0.29.0 go1.24.2 linux/amd64").
require_kind_version() {
    local out found
    out=$(kind version 2>/dev/null) || die "cannot run 'kind version'"
    if ! [[ "$out" =~ v?([0-9]+\.[0-9]+\.[0-9]+) ]]; then
        die "cannot read the kind version from '$out'"
    fi
    found="${BASH_REMATCH[1]}"
    if ! version_at_least "$found" "$MIN_KIND_VERSION"; then
        echo "error: kind $found is too old: kind/cluster.yaml needs kind >= v$MIN_KIND_VERSION (its node image is the one that release publishes; kindnet enforces NetworkPolicies only from v0.24.0)" >&2
        echo "  kind: install a newer release (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)" >&2
        return 1
    fi
}

# metallb_range SUBNET: the .200-.250 addresses of the last /24 of an IPv4 subnet
# (172.18.0.0/16 -> 172.18.255.200-172.18.255.250), outside the range Docker hands out first.
metallb_range() {
    local subnet="$1"
    local ip prefix a b c d
    if ! [[ "$subnet" =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})/([0-9]{1,2})$ ]]; then
        echo "error: '$subnet' is not an IPv4 subnet (a.b.c.d/prefix)" >&2
        return 1
    fi
    a=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]} c=${BASH_REMATCH[3]} d=${BASH_REMATCH[4]} prefix=${BASH_REMATCH[5]}
    if [ "$a" -gt 255 ] || [ "$b" -gt 255 ] || [ "$c" -gt 255 ] || [ "$d" -gt 255 ]; then
        echo "error: '$subnet' is not an IPv4 subnet (an octet is above 255)" >&2
        return 1
    fi
    if [ "$prefix" -gt 24 ] || [ "$prefix" -lt 8 ]; then
        echo "error: the kind network $subnet is too small or odd for a MetalLB range (need a prefix between /8 and /24)" >&2
        return 1
    fi
    ip=$(((a << 24) | (b << 16) | (c << 8) | d))
    local host_bits=$((32 - prefix))
    local broadcast=$(((ip | ((1 << host_bits) - 1)) & 0xFFFFFFFF))
    local base=$((broadcast & 0xFFFFFF00))
    local net="$(((base >> 24) & 255)).$(((base >> 16) & 255)).$(((base >> 8) & 255))"
    echo "${net}.200-${net}.250"
}

# kind_ipv4_subnet: the IPv4 subnet of Docker's "kind" network. kind lets Docker choose it, so it
# is 172.18.0.0/16 on most hosts but not on all.
kind_ipv4_subnet() {
    local subnets s
    subnets=$(docker network inspect kind --format '{{range .IPAM.Config}}{{.Subnet}} {{end}}') ||
        die "cannot inspect the docker network 'kind' (is the kind cluster up? run npm run kind:up)"
    for s in $subnets; do
        if [[ "$s" == *.*.*.*/* ]]; then
            echo "$s"
            return 0
        fi
    done
    die "the docker network 'kind' has no IPv4 subnet (found: ${subnets:-none})"
}

# write_local_stack: (re)write Pulumi.local.yaml from Pulumi.dev.yaml and the kind network.
write_local_stack() {
    local subnet gateway range
    subnet=$(kind_ipv4_subnet)
    gateway=$(kind_ipv4_gateway)
    range=$(metallb_range "$subnet")
    echo "kind network $subnet, gateway $gateway: MetalLB range $range, diracx.ipAlias to $gateway (written to ${LOCAL_STACK_FILE##*/})"
    node "$ROOT/scripts/local-stack.mjs" --subnet "$subnet" --gateway "$gateway" --metallb-range "$range" \
        --dev "$ROOT/Pulumi.dev.yaml" --out "$LOCAL_STACK_FILE"
}

# kind_ipv4_gateway: the IPv4 gateway of Docker's "kind" network (the host, as the nodes see it).
kind_ipv4_gateway() {
    local gateways g
    gateways=$(docker network inspect kind --format '{{range .IPAM.Config}}{{.Gateway}} {{end}}') ||
        die "cannot inspect the docker network 'kind' (is the kind cluster up?)"
    for g in $gateways; do
        if [[ "$g" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
            echo "$g"
            return 0
        fi
    done
    die "the docker network 'kind' has no IPv4 gateway (found: ${gateways:-none})"
}

# use_local_backend: point Pulumi at the project's local file backend for this process only
# (the user's own `pulumi login` is left alone) and set the dev passphrase if none is given.
use_local_backend() {
    mkdir -p "$STATE_DIR"
    export PULUMI_BACKEND_URL="file://$STATE_DIR"
    if [ -z "${PULUMI_CONFIG_PASSPHRASE:-}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
        export PULUMI_CONFIG_PASSPHRASE="$DEV_PASSPHRASE_DEFAULT"
        echo "note: PULUMI_CONFIG_PASSPHRASE is not set; using the documented dev default research-platform-dev (README.md, section Deploy)" >&2
    fi
}

# ensure_local_stack: select the local stack in the local backend, creating it (passphrase
# secrets) if needed. `pulumi stack init` writes its encryption salt into Pulumi.local.yaml, which
# local-stack.mjs carries over when it rewrites the file.
ensure_local_stack() {
    (cd "$ROOT" && pulumi stack select "$LOCAL_STACK" >/dev/null 2>&1) && return 0
    echo "creating the stack '$LOCAL_STACK' in $STATE_DIR (passphrase secrets provider)"
    (cd "$ROOT" && pulumi stack init "$LOCAL_STACK" --secrets-provider passphrase)
}
