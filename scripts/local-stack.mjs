/* global process, console */
// Usage: node scripts/local-stack.mjs --subnet CIDR --gateway IP --metallb-range RANGE [--dev FILE] [--out FILE]
//
// Writes the git-ignored local stack file (default Pulumi.local.yaml) that `npm run deploy:dev`
// deploys: the committed dev stack (default Pulumi.dev.yaml, never written) with what depends on
// the Docker network kind actually created (run by kind-up.sh and deploy-dev.sh):
//   - kubernetes.apiServerCidrs and kubernetes.nodeCidrs: [SUBNET] (the kind nodes and the API
//     server are containers on that network);
//   - metallb.addresses[0]: RANGE (when MetalLB has addresses);
//   - diracx.ipAlias: GATEWAY (when set), and every other string value that names the committed
//     network's gateway (172.18.0.1, e.g. in a nip.io host name) names GATEWAY instead.
// The Pulumi CLI reads only Pulumi.<stack>.yaml of the selected stack, so the local settings live
// in a stack of their own (`local`) rather than in the committed file. What the CLI itself keeps in
// the local file is carried over: its top-level keys other than `config` (encryptionsalt,
// secretsprovider...) and `secure:` values set with `pulumi config set --secret --stack local`.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const PROJECT = "research-platform";
/** The kind network the committed dev stack is written for (config/kubernetes.ts, KIND_DEFAULT_NETWORK). */
const COMMITTED_GATEWAY = "172.18.0.1";

function usage(message) {
    console.error(`error: ${message}`);
    console.error("usage: node scripts/local-stack.mjs --subnet CIDR --gateway IP --metallb-range RANGE [--dev FILE] [--out FILE]");
    process.exit(2);
}

function parseArgs(argv) {
    const out = {};
    for (let i = 0; i < argv.length; i += 2) {
        const [flag, value] = [argv[i], argv[i + 1]];
        if (!flag?.startsWith("--") || value === undefined) usage(`unexpected argument ${flag ?? ""}`);
        out[flag.slice(2)] = value;
    }
    return out;
}

// The project's own dependency: a clear message when `npm ci` has not run yet.
const YAML = (
    await import("yaml").catch(() => {
        console.error("error: the yaml package is missing: run npm ci in the project first");
        process.exit(1);
    })
).default;

const IPV4 = String.raw`(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}`;
const args = parseArgs(process.argv.slice(2));
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const devFile = args.dev ?? path.join(root, "Pulumi.dev.yaml");
const outFile = args.out ?? path.join(root, "Pulumi.local.yaml");
if (!new RegExp(`^${IPV4}/\\d{1,2}$`).test(args.subnet ?? "")) usage(`--subnet "${args.subnet ?? ""}" is not an IPv4 CIDR`);
if (!new RegExp(`^${IPV4}$`).test(args.gateway ?? "")) usage(`--gateway "${args.gateway ?? ""}" is not an IPv4 address`);
if (!new RegExp(`^${IPV4}-${IPV4}$`).test(args["metallb-range"] ?? "")) usage(`--metallb-range "${args["metallb-range"] ?? ""}" is not a first-last address range`);

const doc = YAML.parseDocument(fs.readFileSync(devFile, "utf8"));
if (doc.errors.length > 0) {
    console.error(`error: ${devFile} is not valid YAML: ${doc.errors[0].message}`);
    process.exit(1);
}
const key = (k) => ["config", `${PROJECT}:${k}`];

// The networks the NetworkPolicies name.
for (const k of ["apiServerCidrs", "nodeCidrs"]) doc.setIn([...key("kubernetes"), k], doc.createNode([args.subnet], { flow: true }));

// MetalLB's pool: its first entry, when the dev stack gives MetalLB addresses at all.
const addresses = doc.getIn([...key("metallb"), "addresses"]);
if (YAML.isSeq(addresses) && addresses.items.length > 0) doc.setIn([...key("metallb"), "addresses", 0], args["metallb-range"]);

// DiracX's API pod resolves its loopback host name to this address (the gateway, where the host's
// port mappings answer): set whenever the dev stack sets it.
if (doc.hasIn([...key("diracx"), "ipAlias"])) doc.setIn([...key("diracx"), "ipAlias"], args.gateway);

// Host names and URLs written for the committed gateway.
const gatewayPattern = new RegExp(`(?<![\\d.])${COMMITTED_GATEWAY.replace(/\./g, "\\.")}(?![\\d])`, "g");
const renamed = [];
YAML.visit(doc, {
    Scalar(_, node) {
        if (typeof node.value !== "string") return;
        const before = node.value;
        node.value = before.replace(gatewayPattern, args.gateway);
        if (before !== node.value) renamed.push(`${before} -> ${node.value}`);
    },
});

// What the Pulumi CLI keeps in the local stack file: carried over.
let kept = 0;
if (fs.existsSync(outFile)) {
    const previous = YAML.parseDocument(fs.readFileSync(outFile, "utf8"));
    const prev = previous.toJS() ?? {};
    for (const [k, v] of Object.entries(prev)) {
        if (k === "config") continue;
        doc.set(k, doc.createNode(v));
        kept++;
    }
    for (const [k, v] of Object.entries(prev.config ?? {})) {
        if (v && typeof v === "object" && "secure" in v && !doc.hasIn(["config", k])) {
            doc.setIn(["config", k], doc.createNode(v));
            kept++;
        }
    }
}

doc.commentBefore =
    ` GENERATED by npm run kind:up / npm run deploy:dev (scripts/local-stack.mjs): do not edit.\n` +
    ` The dev stack (${path.basename(devFile)}) for the kind network ${args.subnet} (gateway ${args.gateway}),\n` +
    ` deployed as the stack "local" from the local backend .pulumi/. Change ${path.basename(devFile)} and run\n` +
    ` npm run deploy:dev again. Git-ignored.\n` +
    (doc.commentBefore ? `\n${doc.commentBefore}` : "");
fs.writeFileSync(outFile, doc.toString());
console.log(`${path.basename(outFile)}: the dev stack for kind network ${args.subnet}: apiServerCidrs/nodeCidrs [${args.subnet}], MetalLB ${args["metallb-range"]}${renamed.length ? `, ${renamed.join(", ")}` : ""}${kept ? ` (kept ${kept} setting(s) the Pulumi CLI wrote)` : ""}`);
