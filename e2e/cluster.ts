/**
 * A local Kubernetes control plane without containers: etcd, kube-apiserver (PodSecurity on),
 * kube-controller-manager and kube-scheduler on loopback ports, and kwok with fake nodes so that
 * scheduled pods become Ready (and Job pods complete). Certificates and keys come from openssl.
 */
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import * as path from "node:path";

export interface ClusterOptions {
    /** The toolchain's bin folder (etcd, kube-*, kwok). */
    bin: string;
    /** Where kwok's "fast" node and pod stages are (copied from its module by the build). */
    kwokStages: string;
    /** A fresh folder for data, certificates, logs. */
    dir: string;
    /** Fake nodes to register. */
    nodes: number;
}

export interface ApiResponse {
    status: number;
    body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.listen(0, "127.0.0.1", () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
        srv.on("error", reject);
    });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function openssl(args: string[], cwd: string): void {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** A CA, the API server's serving certificate, an admin client certificate and the service-account key pair. */
function makePki(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=research-platform-e2e-ca"], dir);
    const leaf = (name: string, subj: string, ext: string) => {
        fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
        openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subj], dir);
        openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "2", "-extfile", `${name}.ext`], dir);
    };
    leaf("apiserver", "/CN=kube-apiserver", "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:10.96.0.1\nextendedKeyUsage=serverAuth\n");
    leaf("admin", "/O=system:masters/CN=e2e-admin", "extendedKeyUsage=clientAuth\n");
    openssl(["genrsa", "-out", "sa.key", "2048"], dir);
    openssl(["rsa", "-in", "sa.key", "-pubout", "-out", "sa.pub"], dir);
}

export class Cluster {
    readonly kubeconfig: string;
    readonly context = "research-platform-e2e";
    server = "";
    private procs: { name: string; proc: ChildProcess }[] = [];
    private pki: string;

    constructor(private readonly opts: ClusterOptions) {
        this.kubeconfig = path.join(opts.dir, "kubeconfig");
        this.pki = path.join(opts.dir, "pki");
    }

    private start(name: string, cmd: string, args: string[]): ChildProcess {
        const log = fs.openSync(path.join(this.opts.dir, `${name}.log`), "a");
        const proc = spawn(path.join(this.opts.bin, cmd), args, { stdio: ["ignore", log, log], detached: false });
        proc.on("exit", (code, signal) => {
            if (!this.stopping) fs.appendFileSync(path.join(this.opts.dir, `${name}.log`), `\n[e2e] ${name} exited (code ${code}, signal ${signal})\n`);
        });
        this.procs.push({ name, proc });
        return proc;
    }

    private stopping = false;

    /** Requests the API server as the admin. */
    async api(method: string, urlPath: string, body?: unknown, contentType = "application/json"): Promise<ApiResponse> {
        const u = new URL(urlPath, this.server);
        const data = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
        return new Promise((resolve, reject) => {
            const req = https.request(
                {
                    method,
                    hostname: u.hostname,
                    port: u.port,
                    path: u.pathname + u.search,
                    ca: fs.readFileSync(path.join(this.pki, "ca.crt")),
                    cert: fs.readFileSync(path.join(this.pki, "admin.crt")),
                    key: fs.readFileSync(path.join(this.pki, "admin.key")),
                    headers: data === undefined ? {} : { "content-type": contentType, "content-length": Buffer.byteLength(data) },
                    timeout: 30_000,
                },
                (res) => {
                    const chunks: Buffer[] = [];
                    res.on("data", (c: Buffer) => chunks.push(c));
                    res.on("end", () => {
                        const text = Buffer.concat(chunks).toString("utf8");
                        let parsed: unknown = text;
                        try {
                            parsed = JSON.parse(text);
                        } catch {
                            /* not JSON */
                        }
                        resolve({ status: res.statusCode ?? 0, body: parsed });
                    });
                },
            );
            req.on("error", reject);
            req.on("timeout", () => req.destroy(new Error(`${method} ${urlPath}: timeout`)));
            if (data !== undefined) req.write(data);
            req.end();
        });
    }

    private async waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
        const deadline = Date.now() + timeoutMs;
        let last: unknown;
        while (Date.now() < deadline) {
            try {
                if (await check()) return;
            } catch (e) {
                last = e;
            }
            await sleep(500);
        }
        throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? ` (${String(last)})` : ""}; logs in ${this.opts.dir}`);
    }

    async up(): Promise<void> {
        const { dir } = this.opts;
        fs.mkdirSync(dir, { recursive: true });
        makePki(this.pki);
        const [etcdClient, etcdPeer, apiPort, kcmPort, schedPort, kwokPort] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
        this.server = `https://127.0.0.1:${apiPort}`;
        const p = (f: string) => path.join(this.pki, f);

        this.start("etcd", "etcd", [
            "--name=e2e",
            `--data-dir=${path.join(dir, "etcd")}`,
            `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
            `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
            `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
            `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
            `--initial-cluster=e2e=http://127.0.0.1:${etcdPeer}`,
            "--unsafe-no-fsync",
            "--quota-backend-bytes=4294967296",
        ]);

        this.start("kube-apiserver", "kube-apiserver", [
            `--etcd-servers=http://127.0.0.1:${etcdClient}`,
            "--bind-address=127.0.0.1",
            // The address the `kubernetes` Service's endpoints would carry: a loopback one is refused by
            // the endpoint reconciler, and no pod really calls the API server here, so: no reconciler.
            "--advertise-address=127.0.0.1",
            "--endpoint-reconciler-type=none",
            `--secure-port=${apiPort}`,
            `--tls-cert-file=${p("apiserver.crt")}`,
            `--tls-private-key-file=${p("apiserver.key")}`,
            `--client-ca-file=${p("ca.crt")}`,
            `--service-account-issuer=https://kubernetes.default.svc`,
            `--service-account-key-file=${p("sa.pub")}`,
            `--service-account-signing-key-file=${p("sa.key")}`,
            "--service-cluster-ip-range=10.96.0.0/16",
            "--authorization-mode=RBAC",
            "--allow-privileged=true",
            // PodSecurity is one of the default admission plugins; named here so that it is on whatever the defaults.
            "--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,PodSecurity,DefaultStorageClass,ResourceQuota",
            // No webhook server runs in a kwok cluster (pods are simulated): the charts' admission webhooks
            // (cert-manager, OpenKruise, MetalLB, all failurePolicy Fail) would refuse every object they cover.
            "--disable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook",
            "--profiling=false",
        ]);

        const kubeconfig = {
            apiVersion: "v1",
            kind: "Config",
            clusters: [{ name: this.context, cluster: { server: this.server, "certificate-authority": p("ca.crt") } }],
            users: [{ name: "e2e-admin", user: { "client-certificate": p("admin.crt"), "client-key": p("admin.key") } }],
            contexts: [{ name: this.context, context: { cluster: this.context, user: "e2e-admin" } }],
            "current-context": this.context,
        };
        fs.writeFileSync(this.kubeconfig, JSON.stringify(kubeconfig, null, 2));

        await this.waitFor("kube-apiserver /readyz", 120_000, async () => (await this.api("GET", "/readyz")).status === 200);

        this.start("kube-controller-manager", "kube-controller-manager", [
            `--kubeconfig=${this.kubeconfig}`,
            `--authentication-kubeconfig=${this.kubeconfig}`,
            `--authorization-kubeconfig=${this.kubeconfig}`,
            "--bind-address=127.0.0.1",
            `--secure-port=${kcmPort}`,
            "--leader-elect=false",
            `--service-account-private-key-file=${p("sa.key")}`,
            `--root-ca-file=${p("ca.crt")}`,
            "--use-service-account-credentials=false",
            "--service-cluster-ip-range=10.96.0.0/16",
        ]);
        this.start("kube-scheduler", "kube-scheduler", [
            `--kubeconfig=${this.kubeconfig}`,
            `--authentication-kubeconfig=${this.kubeconfig}`,
            `--authorization-kubeconfig=${this.kubeconfig}`,
            "--bind-address=127.0.0.1",
            `--secure-port=${schedPort}`,
            "--leader-elect=false",
        ]);

        // kwok: its "fast" node and pod stages, and ours (e2e/kwok/) standing in for the controllers
        // that cannot run here: MetalLB's, Traefik's Ingress status, the local-path provisioner.
        const stages = fs
            .readdirSync(this.opts.kwokStages)
            .filter((f) => f.endsWith(".yaml"))
            .sort()
            .map((f) => fs.readFileSync(path.join(this.opts.kwokStages, f), "utf8"));
        for (const f of fs.readdirSync(path.join(__dirname, "kwok")).filter((x) => x.endsWith(".yaml")).sort()) {
            stages.push(...fs.readFileSync(path.join(__dirname, "kwok", f), "utf8").split(/^---$/m).filter((d) => /\bkind: Stage\b/.test(d)));
        }
        const kwokConfig = path.join(dir, "kwok.yaml");
        fs.writeFileSync(kwokConfig, stages.map((s) => s.trim()).join("\n---\n") + "\n");
        this.start("kwok", "kwok", [
            `--kubeconfig=${this.kubeconfig}`,
            `--config=${kwokConfig}`,
            "--manage-all-nodes=true",
            // kwok renews each fake node's Lease, so the node lifecycle controller keeps them Ready.
            "--node-lease-duration-seconds=40",
            "--cidr=10.244.0.1/16",
            "--node-ip=127.0.0.1",
            `--server-address=127.0.0.1:${kwokPort}`,
        ]);

        for (let i = 0; i < this.opts.nodes; i++) await this.addNode(`kwok-node-${i}`);
        await this.waitFor("fake nodes Ready", 120_000, async () => {
            const r = await this.api("GET", "/api/v1/nodes");
            const items = (r.body?.items ?? []) as { status?: { conditions?: { type: string; status: string }[] } }[];
            return items.length === this.opts.nodes && items.every((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
        });
        await this.waitFor("the default ServiceAccount", 120_000, async () => (await this.api("GET", "/api/v1/namespaces/default/serviceaccounts/default")).status === 200);
    }

    private async addNode(name: string): Promise<void> {
        const node = {
            apiVersion: "v1",
            kind: "Node",
            metadata: {
                name,
                annotations: { "node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake" },
                labels: { "kubernetes.io/arch": "amd64", "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/role": "agent", "node-role.kubernetes.io/agent": "", type: "kwok" },
            },
            status: {
                allocatable: { cpu: "32", memory: "256Gi", pods: "250", "ephemeral-storage": "1Ti" },
                capacity: { cpu: "32", memory: "256Gi", pods: "250", "ephemeral-storage": "1Ti" },
                nodeInfo: { architecture: "amd64", operatingSystem: "linux", kubeletVersion: "fake", kubeProxyVersion: "fake" },
            },
        };
        const r = await this.api("POST", "/api/v1/nodes", node);
        if (r.status !== 201) throw new Error(`creating node ${name}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    }

    async down(): Promise<void> {
        this.stopping = true;
        for (const { proc } of [...this.procs].reverse()) {
            if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
        }
        await sleep(1000);
        for (const { proc } of this.procs) {
            if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
        }
    }

    /** Names of processes that have exited (they should all run until `down`). */
    exited(): string[] {
        return this.procs.filter((p) => p.proc.exitCode !== null || p.proc.signalCode !== null).map((p) => p.name);
    }
}
