/**
 * The research-platform guardrails as a CrossGuard policy pack:
 *
 *   pulumi preview --policy-pack policy
 *
 * The rules are plain functions (`policy/rules/`), also run by the offline plan (`npm run plan`).
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("research-platform-guardrails", { policies });
