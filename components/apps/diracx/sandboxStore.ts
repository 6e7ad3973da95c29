/**
 * The job sandbox store: SeaweedFS from the chart, or an external S3. Its credentials ride with the
 * OAuth state key in `diracx-dynamic-secrets`, which the pods read after `diracx-secrets` (envFrom),
 * so they never enter the chart's values.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { seaweedfsEndpoint } from "../../../config/diracx";
import { CHART_SECRET_NAMES, ChartValues, DiracxContext, DiracxSecrets, required } from "./context";

/** SeaweedFS S3 identity the sandbox store uses (the key id is not secret). */
const SEAWEEDFS_ACCESS_KEY_ID = "diracx-sandboxes";

export function sandboxStore(d: DiracxContext, { values, settings }: ChartValues, secrets: DiracxSecrets, storageClassName: string | undefined): void {
    const { cfg, secret, password, randomOpts } = d;
    // The OAuth state key the chart would otherwise generate in its init-secrets job.
    const stateKey = new random.RandomBytes("diracx-auth-state-key", { length: 32 }, randomOpts);
    let s3Kwargs: pulumi.Output<string>;
    if (cfg.sandboxStore.mode === "seaweedfs") {
        const s3Key = password("diracx-seaweedfs-s3-key", 40);
        const endpoint = seaweedfsEndpoint(cfg);
        s3Kwargs = pulumi.jsonStringify({ endpoint_url: endpoint, aws_access_key_id: SEAWEEDFS_ACCESS_KEY_ID, aws_secret_access_key: s3Key.result });
        values.seaweedfs = {
            enabled: true,
            persistence: { size: cfg.sandboxStore.size, storageClass: storageClassName ?? "" },
            config: {
                // UNAVOIDABLE: the chart takes SeaweedFS's S3 identities only inline and renders them into a ConfigMap (docs/diracx.md).
                configMap: {
                    data: {
                        "seaweedfs-s3.json": pulumi.jsonStringify({
                            identities: [{ name: "diracx", credentials: [{ accessKey: SEAWEEDFS_ACCESS_KEY_ID, secretKey: s3Key.result }], actions: ["Admin", "Read", "Write", "List", "Tagging"] }],
                        }),
                    },
                },
                bucket: cfg.sandboxStore.bucket,
            },
        };
    } else {
        const ext = cfg.sandboxStore.external!;
        s3Kwargs = pulumi.jsonStringify({
            endpoint_url: ext.endpointUrl,
            aws_access_key_id: ext.accessKeyId,
            aws_secret_access_key: required(secrets.s3ClientSecret, "diracxS3ClientSecret"),
        });
        values.seaweedfs = { enabled: false };
    }
    settings.DIRACX_SANDBOX_STORE_BUCKET_NAME = cfg.sandboxStore.bucket;
    settings.DIRACX_SANDBOX_STORE_AUTO_CREATE_BUCKET = "true";
    // Removes the chart's placeholder credentials from `diracx-secrets`; the real ones are in `diracx-dynamic-secrets`.
    settings.DIRACX_SANDBOX_STORE_S3_CLIENT_KWARGS = null;
    secret("diracx-dynamic-secrets", CHART_SECRET_NAMES.dynamic, { DIRACX_SERVICE_AUTH_STATE_KEY: stateKey.base64, DIRACX_SANDBOX_STORE_S3_CLIENT_KWARGS: s3Kwargs });
}
