/**
 * NVIDIA FLARE (seed 002): what the overseer, the FL servers and the clients really do at run time,
 * read from NVIDIA/NVFlare at tag 2.4.0 (commit bf800ffaa43a5021ee17c0914aa75557fce15974), the version
 * of the image both stacks pin (`nvflare/nvflare:2.4.0`, built by the tag's `docker/Dockerfile` from
 * `python:3.8` with `pip install -e .`). The pods are the program's own (components/apps/nvflare/):
 * labels `system: <participant>` and `app.kubernetes.io/{name: nvflare, component, instance}`; with
 * `workspace.type: provision`, the provisioning Job's pod `app.kubernetes.io/{name: nvflare-provision, component: provision}`.
 *
 * Facts that hold for every provisioned kit of this version: the overseer's gunicorn binds
 * 0.0.0.0:<port>; a server listens on every interface on its FL port (`"0:" + port`) and its admin
 * port (`("0.0.0.0", port)`) from start-up, hot or cold; a server in HA heartbeats to the overseer
 * every 5 s; the job store and snapshot persistor (from `local/resources.json(.default)`) live under
 * `/tmp/nvflare` and are created at start-up; the workspace root gets log.txt, audit.log and the job
 * folders.
 */
import type { Accept, ContractFn, Flow, HostFact, Listener, PodRef, Source, Write } from "./types";
import { traefikPods } from "./cluster/traefik";

const REPO = "NVIDIA/NVFlare";
/** Tag 2.4.0. */
const COMMIT = "bf800ffaa43a5021ee17c0914aa75557fce15974";

function nv(file: string, lines: string, note: string): Source {
    return { repo: REPO, ref: COMMIT, file, lines, note };
}

const S = {
    dockerfile: nv("docker/Dockerfile", "1-10", "the nvflare/nvflare image: python:3.8, nvflare installed with pip install -e (python at /usr/local/bin/python3)"),
    gunicornConf: nv("nvflare/lighter/impl/master_template.yml", "66-73", "overseer gunicorn.conf.py: bind=\"0.0.0.0:<port>\", cert_reqs=2 (client certificate required), 1 sync worker"),
    startOverseer: nv("nvflare/lighter/impl/master_template.yml", "362-365", "overseer start.sh: gunicorn -c startup/gunicorn.conf.py with the overseer key, cert and rootCA"),
    overseerEndPoint: nv("nvflare/lighter/impl/static_file.py", "85-127", "overseer_end_point = <protocol>://<overseer name>:<port><api_root> written into every server's and client's fed_*.json"),
    serverKit: nv("nvflare/lighter/impl/static_file.py", "129-160", "fed_server.json: service.target = <server name>:<fed_learn_port>, admin_host = <server name>, admin_port; HttpOverseerAgent args role=server, name, fl_port, admin_port"),
    serverLocal: nv("nvflare/lighter/impl/static_file.py", "206-227", "the server's local/ folder: log.config.default, resources.json.default, privacy.json.sample, authorization.json.default (not signed)"),
    clientAgent: nv("nvflare/lighter/impl/static_file.py", "251-260", "client HttpOverseerAgent args role=client, overseer_end_point"),
    resources: nv("nvflare/lighter/impl/master_template.yml", "174-221", "local_server_resources: snapshot_persistor FilesystemStorage root_dir /tmp/nvflare/snapshot-storage; job_manager uri_root /tmp/nvflare/jobs-storage; job_store FilesystemStorage"),
    defaultAuthz: nv("nvflare/lighter/impl/master_template.yml", "258-287", "authorization.json.default: the role-based admin policy"),
    heartbeatEndpoint: nv("nvflare/ha/overseer/overseer.py", "31-58", "POST /api/v1/heartbeat: servers report sp_end_point, clients and admins get the primary SP"),
    overseerWorker: nv("nvflare/ha/overseer/worker.py", "18-31", "ClientAuthWorker reads the role from the client certificate"),
    overseerAgent: nv("nvflare/ha/overseer_agent.py", "27-61", "HttpOverseerAgent: sp_end_point = name:fl_port:admin_port, heartbeat_interval 5 s"),
    overseerAgentLoop: nv("nvflare/ha/overseer_agent.py", "83-95,144-171", "mutual-TLS requests session; POSTs <overseer_end_point>/heartbeat every interval; clients take name:fl_port:admin_port of the primary SP"),
    serverListen: nv("nvflare/private/fed/server/fed_server.py", "151-187", "deploy(): the root cell listens on \"0:\" + the port of service.target (all interfaces, IPv4 and IPv6) at start-up"),
    serverHa: nv("nvflare/private/fed/server/fed_server.py", "745-768", "the overseer agent starts after the cell listens, so hot and cold servers both listen from start-up"),
    turnToHot: nv("nvflare/private/fed/server/fed_server.py", "834-876", "on failover the new hot server restores running jobs from the snapshot persistor (shared storage needed)"),
    adminServer: nv("nvflare/fuel/hci/server/hci.py", "143-165", "AdminServer binds (\"0.0.0.0\", admin_port) with TLS (CERT_REQUIRED) in __init__"),
    createAdmin: nv("nvflare/private/fed/app/utils.py", "58-100", "create_admin_server: admin_port from fed_server.json, upload/download dir <workspace>/<admin_storage>; version_check refuses Python >= 3.11 and < 3.8"),
    serverTrain: nv("nvflare/private/fed/app/server/server_train.py", "37-126", "server start-up: Workspace, remove restart.fl/shutdown.fl, chdir, configure, log.txt handler, security_init, deploy, admin server"),
    workspace: nv("nvflare/apis/workspace.py", "55-94,137-147", "the workspace root must hold startup/ and local/ folders; resources.json and log.config fall back to *.default, else None; log.txt, audit.log and <job_id>/ are in the root"),
    starterConf: nv("nvflare/private/fed/app/fl_conf.py", "44-83", "FLServerStarterConfiger: configure_logging(workspace), config files = [startup/fed_server.json, local resources file]"),
    starterOrg: nv("nvflare/private/fed/app/fl_conf.py", "176-198", "site_org from --set org=; secure_train from --set secure_train="),
    configFactory: nv("nvflare/fuel/utils/config_factory.py", "44-67,151-154", "has_config(None) calls pathlib.Path(None): TypeError when local/ has no resources file"),
    jsonConfiger: nv("nvflare/private/json_configer.py", "62-71", "every config file must exist, else FileNotFoundError"),
    configureLogging: nv("nvflare/private/fed/utils/fed_utils.py", "178-181", "configure_logging asserts local/log.config(.default) is a file"),
    securityInit: nv("nvflare/private/fed/utils/fed_utils.py", "91-141", "secure_train: startup content checked against signature.json (exit 1); audit.log opened in the workspace root; no authorization.json(.default) means EmptyAuthorizer"),
    emptyAuthorizer: nv("nvflare/security/security.py", "77-82", "EmptyAuthorizer.authorize always returns True"),
    fsStorage: nv("nvflare/app_common/storages/filesystem_storage.py", "80-98", "FilesystemStorage.__init__ os.makedirs(root_dir) when missing"),
    jobDefManager: nv("nvflare/apis/impl/job_def_manager.py", "107-110,186-195", "SimpleJobDefManager.__init__ os.makedirs(uri_root); tempfile.mkdtemp for job zips"),
    mpm: nv("nvflare/fuel/f3/mpm.py", "143-145,182-184", "writes _process_rc.txt into the run dir (the workspace root)"),
    internalListener: nv("nvflare/fuel/f3/cellnet/connector_manager.py", "58-70,237-241", "job processes reach the parent over an internal tcp listener on localhost (dynamic port)"),
    gunicornTmp: { repo: "benoitc/gunicorn", ref: "05980116ae8aba50db4013d1384d5b37581cc165", file: "gunicorn/workers/workertmp.py", lines: "19-25", note: "each worker's heartbeat file: tempfile.mkstemp(dir=worker_tmp_dir), i.e. $TMPDIR or /tmp (NVFlare 2.4.0 requires gunicorn>=20.1.0; the image's exact gunicorn version was not read)" } as Source,
    provisionCli: nv("nvflare/lighter/provision.py", "49-101,122-150", "nvflare provision -p <project file> -w <dir>: api_version 3, participants, builders; at most 2 servers"),
    provisionPrompt: nv("nvflare/lighter/provision.py", "57-59,72-90", "a last argument ending in \"provision\" without ./project.yml makes it ask interactively which sample to write, then exit"),
    provisioner: nv("nvflare/lighter/spec.py", "102-112,149-188", "writes <dir>/<project>/{resources,state,wip} and, through WorkspaceBuilder, prod_NN/<participant>/{startup,local,transfer}; on a builder error prints the traceback, removes prod_NN and returns normally"),
    workspaceBuilder: nv("nvflare/lighter/impl/workspace.py", "55-87", "prod_NN numbered one past the highest existing prod_ folder; wip/ moved to prod_NN at the end"),
    certState: nv("nvflare/lighter/impl/cert.py", "56-66,70-93", "the root CA and every participant's certificate and key kept in state/cert.json and reused by the next run"),
    cliExit: nv("nvflare/cli.py", "167-194", "errors of a sub-command are printed; the CLI does not exit non-zero for them"),
    nameCheck: nv("nvflare/apis/utils/format_check.py", "19-37", "name_check: org [A-Za-z0-9_]+, admin an email address, server/overseer a host name, client [A-Za-z0-9-_]+"),
    participantInit: nv("nvflare/lighter/spec.py", "24-51", "Participant(type, name, org) refuses names and orgs that fail name_check"),
    kindTmpfs: { repo: "kubernetes-sigs/kind", ref: "00b38e3bbfdd20ec214924967fcfa7b5b0f51373", file: "pkg/cluster/internal/providers/docker/provision.go", note: "runArgsForNode: --tmpfs /tmp on every kind node: a hostPath under /tmp is per node and lost when the node container restarts" } as Source,
};

export const contract: ContractFn = (cfg) => {
    const c = cfg.nvflare;
    if (!c.enabled) return undefined;
    const ns = c.namespace;

    const pod = (name: string, component: "overseer" | "server" | "client"): PodRef => ({
        kind: "pods",
        name: `${component} ${name}`,
        namespace: ns,
        labels: { "app.kubernetes.io/name": "nvflare", "app.kubernetes.io/component": component, system: name },
        createdBy: "program",
    });
    const overseer = c.overseer ? { ...c.overseer, pod: pod(c.overseer.name, "overseer") } : undefined;
    const servers = c.servers.map((s) => ({ ...s, pod: pod(s.name, "server") }));
    const clients = c.clients.map((cl) => ({ ...cl, pod: pod(cl.name, "client") }));
    const everyone = [...(overseer ? [overseer.pod] : []), ...servers.map((s) => s.pod), ...clients.map((cl) => cl.pod)];
    const traefik = traefikPods(cfg);
    // Who arrives at the exposed ports: anyone through a LoadBalancer or NodePort, Traefik's pods through ingressTcp.
    const outside = c.exposure === "loadBalancer" || c.exposure === "nodePort" ? [{ kind: "anywhere" as const }] : c.exposure === "ingressTcp" ? [traefik] : [];

    const flows: Flow[] = [];
    for (const p of everyone) {
        for (const protocol of ["UDP", "TCP"] as const) {
            flows.push({ id: `${p.labels.system}-dns-${protocol.toLowerCase()}`, from: p, to: { kind: "dns" }, ports: [53], protocol, why: "resolves the participant names in fed_*.json (overseer, servers) and in the overseer's SP answers", source: [S.overseerEndPoint, S.serverKit] });
        }
    }
    if (overseer) {
        for (const s of servers) {
            flows.push({
                id: `${s.name}-to-overseer`,
                from: s.pod,
                to: overseer.pod,
                ports: [overseer.port],
                why: `HA: server ${s.name} POSTs its sp_end_point ${s.name}:${s.flPort}:${s.adminPort} to https://${overseer.name}:${overseer.port}/api/v1/heartbeat every 5 s (mutual TLS); its hot/cold state follows the answer`,
                source: [S.overseerAgent, S.overseerAgentLoop, S.serverHa, S.heartbeatEndpoint, S.overseerEndPoint],
            });
        }
        for (const cl of clients) {
            flows.push({ id: `${cl.name}-to-overseer`, from: cl.pod, to: overseer.pod, ports: [overseer.port], why: `client ${cl.name} asks the overseer for the primary (hot) server`, source: [S.clientAgent, S.heartbeatEndpoint, S.overseerAgentLoop] });
        }
        for (const o of outside) {
            flows.push({
                id: `${o.kind === "anywhere" ? "remote" : "traefik"}-to-overseer`,
                from: o,
                to: overseer.pod,
                ports: [overseer.port],
                why: `clients and admin consoles at other sites ask https://${overseer.name}:${overseer.port}/api/v1 for the hot server (exposure ${c.exposure})`,
                source: [S.heartbeatEndpoint, S.overseerWorker],
            });
        }
        flows.push({ id: "kubelet-to-overseer", from: { kind: "kubelet" }, to: overseer.pod, ports: [overseer.port], why: "the TCP readiness and liveness probes on overseer-port", source: S.gunicornConf });
    }
    for (const s of servers) {
        for (const cl of clients) {
            flows.push({ id: `${cl.name}-to-${s.name}`, from: cl.pod, to: s.pod, ports: [s.flPort], why: `client ${cl.name} connects to the FL port of the server the overseer names (any server can be hot)`, source: [S.overseerAgentLoop, S.serverListen] });
        }
        for (const o of outside) {
            const who = o.kind === "anywhere" ? "remote" : "traefik";
            flows.push({ id: `${who}-clients-to-${s.name}`, from: o, to: s.pod, ports: [s.flPort], why: `FL clients at other sites connect to ${s.name}:${s.flPort} (gRPC, mutual TLS; exposure ${c.exposure})`, source: S.serverListen });
            flows.push({ id: `${who}-admins-to-${s.name}`, from: o, to: s.pod, ports: [s.adminPort], why: `admin consoles (fl_admin.sh) connect to ${s.name}:${s.adminPort} (TLS, client certificate required; exposure ${c.exposure})`, source: [S.adminServer, S.createAdmin] });
        }
        flows.push({ id: `kubelet-to-${s.name}`, from: { kind: "kubelet" }, to: s.pod, ports: [s.flPort, s.adminPort], why: "TCP readiness probe on fl-port and liveness probe on admin-port", source: [S.serverListen, S.adminServer] });
    }

    const listeners: Listener[] = [];
    if (overseer) {
        listeners.push({ pod: overseer.pod, container: overseer.name, port: overseer.port, bind: "all", namedBy: ["service", "probe", "networkPolicy"], why: "gunicorn (mutual-TLS HTTPS) serving /api/v1 of the overseer; clients, admins and servers dial <overseer name>:<port>", source: [S.gunicornConf, S.startOverseer] });
    }
    for (const s of servers) {
        listeners.push({ pod: s.pod, container: s.name, port: s.flPort, bind: "all", namedBy: ["service", "probe", "networkPolicy"], why: "the root cell's gRPC listener (\"0:\" + fed_learn_port), from start-up whether hot or cold", source: [S.serverListen, S.serverHa, S.serverKit] });
        listeners.push({ pod: s.pod, container: s.name, port: s.adminPort, bind: "all", namedBy: ["service", "probe", "networkPolicy"], why: "the admin server (TLS socket server on 0.0.0.0:admin_port), bound during start-up", source: [S.adminServer, S.createAdmin, S.serverTrain] });
    }

    const writes: Write[] = [];
    if (overseer) {
        writes.push({ pod: overseer.pod, container: overseer.name, path: "/tmp", why: "gunicorn's worker heartbeat file (tempfile.mkstemp in the default temp dir); the root filesystem is read-only", source: S.gunicornTmp });
    }
    for (const s of servers) {
        const ws = `/workspace/${s.name}`;
        writes.push({
            pod: s.pod,
            container: s.name,
            path: ws,
            why: "the server removes restart.fl/shutdown.fl, writes log.txt, audit.log, _process_rc.txt, the admin transfer/ folder and one folder per job run in its workspace root (not startup/ or local/)",
            source: [S.serverTrain, S.workspace, S.securityInit, S.mpm, S.createAdmin],
        });
        writes.push({
            pod: s.pod,
            container: s.name,
            path: "/tmp/nvflare/snapshot-storage",
            why: "the snapshot persistor's FilesystemStorage creates it at start-up (os.makedirs): the server exits if /tmp/nvflare is not writable by its UID; HA failover reads it from the other server",
            source: [S.resources, S.fsStorage, S.turnToHot],
        });
        writes.push({ pod: s.pod, container: s.name, path: "/tmp/nvflare/jobs-storage", why: "SimpleJobDefManager creates the job store at start-up (os.makedirs) and stores every submitted job there", source: [S.resources, S.jobDefManager] });
        writes.push({ pod: s.pod, container: s.name, path: "/tmp", why: "job definitions are zipped through tempfile.mkdtemp()", source: S.jobDefManager });
    }
    for (const cl of clients) {
        writes.push({ pod: cl.pod, container: cl.name, path: `/workspace/${cl.name}`, why: "log.txt, audit.log and one folder per job run in the client's workspace root", source: [S.workspace, S.securityInit] });
    }

    const accepts: Accept[] = [
        {
            key: "nvflare.image",
            reads: "sys.version_info in server_train/client_train (version_check)",
            why: "NVFlare 2.4 runs only on Python 3.8 to 3.10; the facts in this contract are those of 2.4.0, the pinned image, which is python:3.8 with nvflare under /usr/local/bin/python3",
            source: [S.createAdmin, S.dockerfile],
        },
        {
            key: "nvflare.persist",
            reads: "local/resources.json(.default): snapshot_persistor.args.storage.args.root_dir and components[job_manager].args.uri_root",
            why: "the provisioned defaults hard-code /tmp/nvflare/snapshot-storage and /tmp/nvflare/jobs-storage: the persist volume must be mounted at /tmp/nvflare, writable by runAsUser at start-up, and shared by every HA server",
            source: [S.resources, S.fsStorage, S.jobDefManager, S.turnToHot],
        },
        {
            key: "nvflare.runAsUser",
            reads: "the process UID (os.makedirs, open for writing)",
            why: "must own or be allowed to write /workspace/<name> and /tmp/nvflare; a hostPath is not chowned by fsGroup (DirectoryOrCreate would make it root:root 0755, so the program uses type Directory and the operator creates it owned by runAsUser)",
            source: [S.fsStorage, S.jobDefManager, S.workspace],
        },
        {
            key: "nvflare.workspace",
            reads: "Workspace(root_dir=/workspace/<name>): startup/ and local/ must both be directories",
            why: "the server and client refuse to start without a local/ folder",
            source: S.workspace,
        },
        {
            key: "nvflare.workspace.localConfigMapPrefix",
            reads: "local/log.config(.default) and local/resources.json(.default) of each server (ConfigMap <prefix><name>, mounted at /workspace/<name>/local)",
            rejected: ["a missing ConfigMap: an empty local/ (the program requires the ConfigMap: optional false)", "a ConfigMap without log.config(.default)", "a ConfigMap without resources.json(.default)"],
            why: "configure_logging asserts on the log config and the config loader is given None for the resources file (TypeError): the server exits at start-up; without authorization.json(.default) every admin command is authorised (EmptyAuthorizer)",
            source: [S.starterConf, S.configureLogging, S.configFactory, S.jsonConfiger, S.securityInit, S.emptyAuthorizer, S.serverLocal],
        },
        ...servers.flatMap((s, i): Accept[] => [
            { key: `nvflare.servers[${i}].flPort`, reads: "fed_server.json servers[0].service.target (<name>:<fed_learn_port>)", accepted: [s.flPort], why: "the port the server listens on and that clients are told (sp_end_point); the Service and container port must equal the provisioned fed_learn_port", source: [S.serverKit, S.serverListen] },
            { key: `nvflare.servers[${i}].adminPort`, reads: "fed_server.json servers[0].admin_port", accepted: [s.adminPort], why: "the admin server's port, also announced in sp_end_point; must equal the provisioned admin_port", source: [S.serverKit, S.createAdmin] },
            { key: `nvflare.servers[${i}].name`, reads: "fed_server.json service.target host and sp_end_point name; the certificate's name", accepted: [s.name], why: "clients and admins dial this name (the Service name) and check it against the server certificate", source: [S.serverKit, S.overseerAgent] },
            { key: `nvflare.servers[${i}].org`, reads: "--set org=<org> (site_org)", why: "the authorizer's site organisation (o:site rules of authorization.json)", source: [S.starterOrg, S.securityInit] },
        ]),
        ...(overseer
            ? [
                  { key: "nvflare.overseer.port", reads: "startup/gunicorn.conf.py bind and the port in every overseer_end_point", accepted: [overseer.port], why: "the Service port must equal the provisioned overseer port", source: [S.gunicornConf, S.overseerEndPoint] },
                  { key: "nvflare.overseer.name", reads: "overseer_end_point host in fed_server.json / fed_client.json", accepted: [overseer.name], why: "servers and clients dial https://<overseer name>:<port>: the Service must carry that name", source: S.overseerEndPoint },
              ]
            : []),
    ];

    if (c.workspace?.type === "provision") {
        const ws = c.workspace;
        const provisioner: PodRef = {
            kind: "pods",
            name: "provision job",
            namespace: ns,
            labels: { "app.kubernetes.io/name": "nvflare-provision", "app.kubernetes.io/component": "provision" },
            createdBy: "program",
        };
        writes.push({
            pod: provisioner,
            container: "provision",
            path: `/state/provisioning/${ws.project}`,
            why: "nvflare provision's workspace (-w /state/provisioning): resources/, state/cert.json (the CA and every key, reused by the next run), wip/ and prod_NN/<participant>/{startup,local,transfer}",
            source: [S.provisionCli, S.provisioner, S.workspaceBuilder, S.certState],
        });
        accepts.push(
            {
                key: "nvflare.servers",
                reads: "project.yml participants of type server",
                why: "prepare_project raises for more than 2 servers (one, or an HA pair); the program refuses it before the Job runs",
                source: S.provisionCli,
            },
            {
                key: "nvflare.servers[*].org, nvflare.clients[*].org, nvflare.overseer.org, nvflare.workspace.admins[*].org",
                reads: "project.yml participants[].org",
                why: "Participant() refuses an org that is not letters, digits and '_' (e.g. hospital-b): provision fails",
                source: [S.participantInit, S.nameCheck],
            },
            {
                key: "nvflare.workspace.admins[*].name",
                reads: "project.yml participants[type admin].name",
                why: "an admin's name must be an email address; it becomes the admin kit's folder and certificate subject",
                source: [S.participantInit, S.nameCheck],
            },
            {
                key: "nvflare.workspace",
                reads: "the provision command line (-w <dir> -p <file>) and its exit status",
                why: "the Job passes -p last (a last argument ending in \"provision\" would prompt) and checks every kit itself, since nvflare provision exits 0 when a builder fails",
                source: [S.provisionPrompt, S.provisioner, S.cliExit],
            },
        );
    }

    const hostFacts: HostFact[] = [];
    if (cfg.kubernetes.distribution === "kind") {
        if (c.workspace?.type === "hostPath") {
            hostFacts.push({
                kind: "kindMount",
                id: "nvflare-workspace",
                hostPath: c.workspace.path,
                why: "the workspace hostPath has type Directory: it must exist on every kind node an NVFlare pod can be scheduled to (every worker, the same host folder via extraMounts), holding <name>/startup and <name>/local for each participant, writable by runAsUser",
                source: [S.workspace, S.serverTrain],
            });
        }
        if (c.persist.type === "hostPath" && servers.length > 0) {
            hostFacts.push({
                kind: "kindMount",
                id: "nvflare-persist",
                hostPath: c.persist.path,
                why: "the servers' job store and snapshots: the volume has type Directory, so the folder must exist, owned by runAsUser, on the node the servers share (a required podAffinity puts HA servers on one node); kind's /tmp is a per-node tmpfs, lost when the node container restarts",
                source: [S.resources, S.fsStorage, S.turnToHot, S.kindTmpfs],
            });
        }
    }

    return {
        system: "nvflare",
        pinned: { image: c.image ?? "", "NVIDIA/NVFlare": `2.4.0 (${COMMIT})` },
        flows,
        listeners,
        writes,
        accepts,
        hostFacts,
    };
};
