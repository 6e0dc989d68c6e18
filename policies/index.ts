import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";

// Run with: pulumi preview --policy-pack policies [--policy-pack-config policy-config.json]
new PolicyPack("pg-cluster", {
    description: "Guardrails for the pg-cluster program: a replicated PostgreSQL 17 cluster on Docker.",
    policies,
});
