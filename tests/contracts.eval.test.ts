/**
 * The NetworkPolicy evaluator's parts the runtime contracts use: port ranges, `allowedPorts` (every
 * port at once, both directions) and the contract peers beyond pods.
 */
import * as assert from "node:assert/strict";
import type { Peer, PodRef } from "../contracts/types";
import {
    Cluster,
    DNS_POD,
    EXTERNAL_HOST_IP,
    PUBLIC_IP,
    Pod,
    allowedPorts,
    formatRanges,
    hostAddresses,
    intersectRanges,
    mayConnect,
    peerEndpoints,
    portSpecRanges,
    resolveHost,
    subtractRanges,
    unionRanges,
} from "../tools/guardrails/networkPolicyEval";

const ns = "a";
const web: Pod = { name: "web", namespace: ns, labels: { app: "web" }, ports: [{ name: "http", containerPort: 8080 }] };
const client: Pod = { name: "client", namespace: "b", labels: { app: "client" } };
const denyAll = (namespace: string) => ({ metadata: { name: "default-deny", namespace }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } });

describe("contracts: port ranges", () => {
    it("merges, intersects, subtracts and prints ranges", () => {
        assert.deepEqual(unionRanges([[5, 9]], [[1, 3], [4, 4], [20, 30]]), [[1, 9], [20, 30]]);
        assert.deepEqual(intersectRanges([[1, 10], [20, 30]], [[5, 25]]), [[5, 10], [20, 25]]);
        assert.deepEqual(subtractRanges([[1, 100]], [[1, 1], [50, 60], [100, 200]]), [[2, 49], [61, 99]]);
        assert.deepEqual(subtractRanges([[8080, 8080]], [[1, 65535]]), []);
        assert.equal(formatRanges([[8080, 8080], [9000, 9003]]), "8080, 9000-9003");
        assert.deepEqual(portSpecRanges([9001, { from: 40000, to: 40999 }, 9000]), [[9000, 9001], [40000, 40999]]);
    });
});

describe("contracts: allowedPorts", () => {
    it("admits every port without policies, none under a default-deny (each direction on its own)", () => {
        assert.deepEqual(allowedPorts({ namespaces: {}, policies: [] }, client, web).ports, [[1, 65535]]);
        const v = allowedPorts({ namespaces: {}, policies: [denyAll(ns)] }, client, web);
        assert.deepEqual(v.ports, []);
        assert.equal(v.ingress.isolated, true);
        assert.equal(v.egress.isolated, false, "the client's namespace has no policy");
        assert.deepEqual(allowedPorts({ namespaces: {}, policies: [denyAll("b")] }, client, web).egress.ports, []);
    });

    it("takes the union of the rules' ports (numbers, endPort ranges, named ports), per protocol, and intersects the directions", () => {
        const ingress = { metadata: { name: "in", namespace: ns }, spec: { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "b" } } }], ports: [{ port: "http" }, { port: 40000, endPort: 40998 }, { port: 53, protocol: "UDP" }] }] } };
        const egress = { metadata: { name: "out", namespace: "b" }, spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: 40500, endPort: 41000 }, { port: 8080 }] }] } };
        const c: Cluster = { namespaces: {}, policies: [denyAll(ns), ingress, denyAll("b"), egress] };
        const v = allowedPorts(c, client, web);
        assert.deepEqual(v.ingress.ports, [[8080, 8080], [40000, 40998]]);
        assert.deepEqual(v.egress.ports, [[8080, 8080], [40500, 41000]]);
        assert.deepEqual(v.ports, [[8080, 8080], [40500, 40998]]);
        assert.deepEqual(v.ingress.policies, ["a/in"]);
        assert.deepEqual(allowedPorts(c, client, web, "UDP").ingress.ports, [[53, 53]]);
        // A range flow needs every port: 40999 is the one missing.
        assert.deepEqual(subtractRanges(portSpecRanges([{ from: 40500, to: 40999 }]), v.ports), [[40999, 40999]]);
        // The same answer as mayConnect, port by port.
        for (const port of [80, 8080, 40000, 40499, 40500, 40998, 40999, 41000]) {
            const inRanges = v.ports.some(([f, t]) => port >= f && port <= t);
            assert.equal(mayConnect(c, client, web, port).allowed, inRanges, `port ${port}`);
        }
    });

    it("does not apply a pod's egress policies to its own loopback", () => {
        const c: Cluster = { namespaces: {}, policies: [denyAll("b")] };
        assert.deepEqual(allowedPorts(c, client, { ip: "127.0.0.1" }).ports, [[1, 65535]]);
        assert.deepEqual(allowedPorts(c, client, { ip: PUBLIC_IP }).ports, []);
    });

    it("matches ipBlock peers with except, for addresses and for pods (which have pod-network addresses)", () => {
        const lb = { metadata: { name: "lb", namespace: ns }, spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }], ports: [{ port: 8080 }] }] } };
        const c: Cluster = { namespaces: {}, policies: [denyAll(ns), lb] };
        assert.deepEqual(allowedPorts(c, { ip: PUBLIC_IP }, web).ports, [[8080, 8080]]);
        assert.deepEqual(allowedPorts(c, client, web).ports, [], "the default pod address 10.244.1.10 is in the except");
    });
});

describe("contracts: peers beyond pods", () => {
    const net = { apiServerCidrs: ["10.10.0.0/28"], nodeCidrs: ["10.10.0.0/22", "fd00::/64"] };
    const ref: PodRef = { kind: "pods", name: "hub", namespace: "jh", labels: { component: "hub" }, createdBy: { chart: "jupyterhub", version: "3.1.0" } };
    const podsOf = (r: PodRef): Pod[] => [{ name: `${r.namespace}/${r.name}`, namespace: r.namespace, labels: r.labels }];
    const ips = (p: Peer) => peerEndpoints(p, net, podsOf).map((e) => ("ip" in e && e.ip) || (e as Pod).namespace);

    it("gives the first and last host of a CIDR (the address of a /32, nothing for IPv6)", () => {
        assert.deepEqual(hostAddresses("10.10.0.0/28"), ["10.10.0.1", "10.10.0.14"]);
        assert.deepEqual(hostAddresses("172.18.0.0/16"), ["172.18.0.1", "172.18.255.254"]);
        assert.deepEqual(hostAddresses("192.0.2.7/32"), ["192.0.2.7"]);
        assert.deepEqual(hostAddresses("fd00::/64"), []);
    });

    it("resolves external host names by the dev conventions, other names to a public TEST-NET address", () => {
        assert.equal(resolveHost("192.0.2.10"), "192.0.2.10");
        assert.equal(resolveHost("172.18.0.1.nip.io"), "172.18.0.1");
        assert.equal(resolveHost("hub.127.0.0.1.nip.io"), "127.0.0.1");
        assert.equal(resolveHost("app-10-1-2-3.sslip.io"), "10.1.2.3");
        assert.equal(resolveHost("hub.localtest.me"), "127.0.0.1");
        assert.equal(resolveHost("localhost"), "127.0.0.1");
        assert.equal(resolveHost("iam.cloud.infn.it"), EXTERNAL_HOST_IP);
    });

    it("turns each peer kind into endpoints", () => {
        assert.deepEqual(ips({ kind: "apiServer" }), ["10.10.0.1", "10.10.0.14"]);
        assert.deepEqual(ips({ kind: "kubelet" }), ["10.10.0.1", "10.10.3.254"]);
        assert.deepEqual(ips({ kind: "node" }), ["10.10.0.1", "10.10.3.254"]);
        assert.deepEqual(peerEndpoints({ kind: "dns" }, net, podsOf), [DNS_POD]);
        assert.deepEqual(ips({ kind: "external", name: "IdP", host: "172.18.0.1.nip.io" }), ["172.18.0.1"]);
        assert.deepEqual(ips({ kind: "anywhere" }), [PUBLIC_IP]);
        assert.deepEqual(ips(ref), ["jh"]);
    });

    it("lets DNS through a policy that allows kube-dns by namespace and labels", () => {
        const dns = { metadata: { name: "dns", namespace: "b" }, spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: [{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }] }] } };
        const c: Cluster = { namespaces: {}, policies: [denyAll("b"), dns] };
        assert.deepEqual(allowedPorts(c, client, DNS_POD, "UDP").ports, [[53, 53]]);
        assert.deepEqual(allowedPorts(c, client, { ip: PUBLIC_IP }, "UDP").ports, []);
    });
});
