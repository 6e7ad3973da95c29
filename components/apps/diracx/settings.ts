/** The chart's images and global settings, and the DiracX services' own settings (auth, developer mode). */
import type { ChartValues, DiracxContext } from "./context";

/** busybox tag for the chart's wait-for init containers (the chart defaults to `latest`). */
const BUSYBOX_TAG = "1.37.0";

export function globalSettings(d: DiracxContext, { values, settings }: ChartValues, storageClassName: string | undefined): void {
    const { cfg, base } = d;
    const globalValues: Record<string, unknown> = {
        imagePullPolicy: "IfNotPresent",
        images: { busybox: { tag: BUSYBOX_TAG }, ...(cfg.imageTag ? { tag: cfg.imageTag } : {}) },
    };
    if (storageClassName) globalValues.storageClassName = storageClassName;
    values.global = globalValues;
    // Developer mode (seed 004's demo): the chart's `developer` values are set last, with the demo's URLs.
    settings.DIRACX_CONFIG_BACKEND_URL = cfg.developer ? "git+file:///cs_store/initialRepo" : cfg.configBackendUrl;
    settings.DIRACX_SERVICE_AUTH_TOKEN_ISSUER = base;
    settings.DIRACX_SERVICE_AUTH_ALLOWED_REDIRECTS = JSON.stringify([`${base}/api/docs/oauth2-redirect`, `${base}/#authentication-callback`]);
    if (cfg.developer) {
        settings.DIRACX_SERVICE_AUTH_ACCESS_TOKEN_EXPIRE_MINUTES = "120";
        settings.DIRACX_SERVICE_AUTH_REFRESH_TOKEN_EXPIRE_MINUTES = "360";
    }
}
