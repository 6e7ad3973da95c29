/** The Jupyter front end: its token (generated, in a Secret), the notebook server and its Service. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { policyException } from "../../k8s/policyException";
import { opaqueSecret } from "../../k8s/secret";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../k8s/securityContext";
import { NotebookContext, pullPolicy } from "./context";
import { JOVYAN, NAMES } from "./names";
import type { Namespaces } from "./namespaces";
import { NamedPort, containerPorts, servicePorts } from "./ports";

export interface FrontEnd {
    notebookService: k8s.core.v1.Service;
    /** The Jupyter token (the RandomPassword's result). */
    token: pulumi.Output<string>;
}

export function frontEnd(ctx: NotebookContext, { namespace }: Namespaces, gatewayService: k8s.core.v1.Service, aliases: pulumi.Resource[]): FrontEnd {
    const { name, c, child, labels, selector, lbReady } = ctx;
    const notebookImage = c.images.notebook;
    const token = new random.RandomPassword(`${name}-jupyter-token`, { length: 48, special: false }, { parent: ctx.parent, dependsOn: ctx.base });
    const tokenSecret = opaqueSecret(`${name}-jupyter-token`, { name: "jupyter-notebook-token", namespace, app: NAMES.notebook, data: { token: token.result } }, child());
    const notebookLabels = labels(NAMES.notebook, "notebook");
    // The Jupyter server is the front end's only listener: it is a client of the gateway (contracts/distributedNotebook.ts).
    const notebookPortList: NamedPort[] = [{ name: "nb-server", port: c.ports.notebook }];
    new k8s.apps.v1.Deployment(
        `${name}-jupyter-notebook`,
        {
            metadata: {
                name: NAMES.notebook,
                namespace,
                labels: notebookLabels,
                annotations: policyException("prod-replicas", "a Jupyter server keeps its sessions and kernel connections in memory: a second replica behind the Service would split them"),
            },
            spec: {
                replicas: 1,
                selector: { matchLabels: selector(NAMES.notebook) },
                template: {
                    metadata: { labels: notebookLabels },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: restrictedPodSecurityContext(JOVYAN),
                        containers: [
                            {
                                name: "jupyter-notebook",
                                image: notebookImage,
                                imagePullPolicy: pullPolicy(notebookImage),
                                // Upstream disabled the token (`--NotebookApp.token=`); here it comes from a Secret.
                                args: ["start-notebook.sh", "--log-level=DEBUG"],
                                ports: containerPorts(notebookPortList),
                                env: [{ name: "JUPYTER_TOKEN", valueFrom: { secretKeyRef: { name: tokenSecret.metadata.name, key: "token" } } }],
                                // Upstream mounted the host path /home/core-dump here; an emptyDir keeps the pod "restricted".
                                volumeMounts: [{ name: "core-dumps", mountPath: "/tmp/cores" }],
                                resources: c.resources.notebook,
                                startupProbe: { httpGet: { path: "/api", port: c.ports.notebook }, periodSeconds: 5, failureThreshold: 60 },
                                readinessProbe: { httpGet: { path: "/api", port: c.ports.notebook }, periodSeconds: 10 },
                                livenessProbe: { httpGet: { path: "/api", port: c.ports.notebook }, periodSeconds: 20, failureThreshold: 3 },
                                securityContext: restrictedContainerSecurityContext({ readOnlyRootFilesystem: false }),
                            },
                        ],
                        volumes: [{ name: "core-dumps", emptyDir: {} }],
                    },
                },
            },
        },
        child([gatewayService, tokenSecret, ...aliases]),
    );
    const notebookService = new k8s.core.v1.Service(
        `${name}-jupyter-notebook-svc`,
        {
            metadata: {
                name: NAMES.notebook,
                namespace,
                labels: notebookLabels,
                ...(c.serviceType === "NodePort" ? { annotations: policyException("exposure", "distributedNotebook.serviceType is NodePort: users reach the Jupyter server on the node port (in dev through kind's port mapping to localhost)") } : {}),
            },
            spec: {
                type: c.serviceType,
                selector: selector(NAMES.notebook),
                ports: servicePorts(notebookPortList).map((p) => (c.serviceType === "NodePort" ? { ...p, nodePort: c.nodePort } : p)),
            },
        },
        child(lbReady),
    );
    return { notebookService, token: token.result };
}
