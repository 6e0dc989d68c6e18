import { describe, it } from "node:test";
import { productionMemoryLimit } from "../rules/productionMemoryLimit";
import { containerProps, CONTAINER, etcdContainerProps, patroniContainerProps } from "./builders";
import { assertHasViolation, assertNoViolations, assertNotApplicable, resourceArgs } from "./util";

describe("production-memory-limit", () => {
    const policy = productionMemoryLimit;
    const production = () => containerProps("pg0", { environment: "production" });
    const message =
        "Production PostgreSQL container has no memory limit; set memory (MB) so one node cannot exhaust " +
        "the host's memory and take the other nodes down with it.";

    it("passes a production node with a memory limit", async () => {
        await assertNoViolations(policy, resourceArgs(CONTAINER, production()));
    });

    it("passes a development node without a memory limit", async () => {
        const props = containerProps("pg0", { environment: "development" });
        delete props.memory;
        await assertNoViolations(policy, resourceArgs(CONTAINER, props));
    });

    it("reports a production node without a memory limit", async () => {
        const props = production();
        delete props.memory;
        await assertHasViolation(policy, resourceArgs(CONTAINER, props), message);
    });

    it("reports a production node with memory 0 (no limit)", async () => {
        await assertHasViolation(policy, resourceArgs(CONTAINER, { ...production(), memory: 0 }), message);
    });
});

describe("production-memory-limit with ha: patroni", () => {
    const policy = productionMemoryLimit;

    it("passes a production Patroni member with a memory limit", async () => {
        await assertNoViolations(policy, resourceArgs(CONTAINER, patroniContainerProps("pg1", { environment: "production" })));
    });

    it("reports a production Patroni member without one", async () => {
        const props = patroniContainerProps("pg1", { environment: "production" });
        delete props.memory;
        await assertHasViolation(policy, resourceArgs(CONTAINER, props),
            "Production PostgreSQL container has no memory limit; set memory (MB) so one node cannot exhaust " +
            "the host's memory and take the other nodes down with it.");
    });

    it("does not apply to an etcd member, which is no PostgreSQL container", async () => {
        await assertNotApplicable(policy, resourceArgs(CONTAINER, etcdContainerProps("etcd0", { environment: "production" })));
    });
});
