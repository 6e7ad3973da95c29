/**
 * InterLink (seed 001): notebooks offloaded to a remote GPU host. The virtual kubelet registers a
 * virtual node and forwards its pods to the remote InterLink API; the tunnel (an SSH forwarder)
 * brings the remote notebooks back to the hub's proxy; the hub offload adds the profiles and hub
 * config to JupyterHub; the host files are what the remote host runs (written by the plan as
 * stack outputs, installed by the operator).
 */
export { VIRTUAL_NODE_TAINT, VirtualKubelet } from "./virtualKubelet";
export type { VirtualKubeletArgs } from "./virtualKubelet";
export { InterlinkTunnel } from "./tunnel";
export type { InterlinkTunnelArgs } from "./tunnel";
export { buildHubOffload } from "./hubProfiles";
export { hostFiles, oauth2ProxyEnv } from "./host";
