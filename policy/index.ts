/**
 * The observability project's policy pack: `pulumi preview --policy-pack policy` (run
 * `npm install` in this folder first). What each policy checks and why: README.md here.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("observability", { policies, enforcementLevel: "mandatory" });
