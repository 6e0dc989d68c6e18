import { describe, it } from "node:test";
import { containersHardened } from "../rules/containersHardened";
import {
    COMMAND, containerProps, CONTAINER, etcdContainerProps, exporterProps, patroniContainerProps, prometheusProps, REMOTE_IMAGE, remoteImageProps,
    seedStepProps,
} from "./builders";
import { assertHasViolation, assertHasViolations, assertNoViolations, assertNotApplicable, resourceArgs, UNKNOWN_STRING } from "./util";

const DROP_ALL =
    "The container does not drop all capabilities (capabilities.drops has no \"ALL\"), so it keeps Docker's default set, " +
    "NET_RAW, MKNOD and SETFCAP among them; drop \"ALL\" and add back only what it needs.";
const adds = (caps: string) =>
    `The container adds ${caps} (capabilities.adds), more than PostgreSQL, its entrypoint and the monitoring containers need; ` +
    "add back only CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, SETUID, SETGID, KILL.";
const noNewPrivileges = (now = "does not set no-new-privileges (securityOpts)") =>
    `The container ${now}, so a setuid or file-capability program in its image can give a process privileges it did not ` +
    "start with; add \"no-new-privileges:true\" to securityOpts.";
const noProcessLimit = (value: string) =>
    `The container's process limit does not limit (pidsLimit "${value}"), so a fork bomb in it can use up the host's ` +
    "process IDs and stop every other container; set it above 0.";
const WRITABLE =
    "The container's root filesystem is writable (readOnly is not true), so whoever takes over its process can change the " +
    "programs and libraries of its image; set readOnly: true, with tmpfs mounts where it writes (/tmp, and /var/run/postgresql on a node).";
const PRIVILEGED =
    "The container runs privileged (privileged: true): every capability and every host device, whatever it drops, so a " +
    "compromised process in it owns the host; remove privileged.";

describe("containers-hardened", () => {
    const policy = containersHardened;
    const node = (change: (props: Record<string, any>) => void = () => undefined) => {
        const props = containerProps("pg1");
        change(props);
        return resourceArgs(CONTAINER, props);
    };

    it("passes the program's node: ALL dropped but what the entrypoint needs, no-new-privileges, a read-only root", async () => {
        await assertNoViolations(policy, node());
    });

    it("passes the program's exporter and Prometheus, which add no capability back", async () => {
        await assertNoViolations(policy, resourceArgs(CONTAINER, exporterProps("pg1", { environment: "production" })));
        await assertNoViolations(policy, resourceArgs(CONTAINER, prometheusProps({ environment: "production" })));
    });

    it("reports a node that declares none of it, once per missing piece", async () => {
        await assertHasViolations(policy, node((p) => {
            for (const key of ["capabilities", "securityOpts", "readOnly"]) {
                delete p[key];
            }
        }), [DROP_ALL, noNewPrivileges(), WRITABLE]);
    });

    it("holds the monitoring containers to the same, but for the read-only root their uploads cannot have", async () => {
        const props = exporterProps("pg1", { environment: "production" });
        props.readOnly = false;
        await assertNoViolations(policy, resourceArgs(CONTAINER, props));
        props.capabilities = { drops: ["NET_RAW"] };
        await assertHasViolation(policy, resourceArgs(CONTAINER, props), DROP_ALL);
    });

    describe("capabilities", () => {
        it("reports drops without ALL", async () => {
            await assertHasViolation(policy, node((p) => (p.capabilities.drops = ["NET_RAW", "MKNOD"])), DROP_ALL);
        });

        it("takes Docker's loose spelling of ALL and of capability names", async () => {
            await assertNoViolations(policy, node((p) => (p.capabilities = { drops: ["all"], adds: ["cap_chown", "CAP_SETUID", "setgid"] })));
        });

        it("reports SYS_ADMIN added back", async () => {
            await assertHasViolation(policy, node((p) => p.capabilities.adds.push("SYS_ADMIN")), adds("SYS_ADMIN"));
        });

        it("reports ALL added back", async () => {
            await assertHasViolation(policy, node((p) => p.capabilities.adds.push("ALL")), adds("ALL"));
        });

        it("lists every capability outside the allowed set in one violation", async () => {
            await assertHasViolation(policy, node((p) => p.capabilities.adds.push("NET_ADMIN", "CAP_SYS_PTRACE", "net_admin")),
                adds("NET_ADMIN, SYS_PTRACE"));
        });

        it("allows DAC_READ_SEARCH and KILL", async () => {
            await assertNoViolations(policy, node((p) => p.capabilities.adds.push("DAC_READ_SEARCH", "KILL")));
        });

        it("allows adding none back", async () => {
            await assertNoViolations(policy, node((p) => delete p.capabilities.adds));
        });
    });

    describe("no-new-privileges", () => {
        it("reports securityOpts without it", async () => {
            await assertHasViolation(policy, node((p) => (p.securityOpts = ["apparmor=docker-default"])), noNewPrivileges());
        });

        it("takes the bare option", async () => {
            await assertNoViolations(policy, node((p) => (p.securityOpts = ["no-new-privileges"])));
        });

        it("takes the = separator and Go's spellings of true", async () => {
            for (const option of ["no-new-privileges=true", "no-new-privileges=1", "no-new-privileges:True"]) {
                await assertNoViolations(policy, node((p) => (p.securityOpts = [option])));
            }
        });

        it("reports it turned off", async () => {
            await assertHasViolation(policy, node((p) => (p.securityOpts = ["no-new-privileges:false"])),
                noNewPrivileges("does not turn no-new-privileges on (securityOpts has \"no-new-privileges:false\")"));
        });

        it("reports it turned off by a later option, which wins", async () => {
            await assertHasViolation(policy, node((p) => p.securityOpts.push("no-new-privileges=false")),
                noNewPrivileges("does not turn no-new-privileges on (securityOpts has \"no-new-privileges=false\")"));
        });

        it("reports a value Docker would not read as true", async () => {
            await assertHasViolation(policy, node((p) => (p.securityOpts = ["no-new-privileges:yes"])),
                noNewPrivileges("does not turn no-new-privileges on (securityOpts has \"no-new-privileges:yes\")"));
        });
    });

    describe("process limit (the docker provider cannot declare one: only a declared one is checked)", () => {
        it("reports pidsLimit 0", async () => {
            await assertHasViolation(policy, node((p) => (p.pidsLimit = 0)), noProcessLimit("0"));
        });

        it("reports pidsLimit -1 (unlimited)", async () => {
            await assertHasViolation(policy, node((p) => (p.pidsLimit = -1)), noProcessLimit("-1"));
        });

        it("passes a positive pidsLimit, and none", async () => {
            await assertNoViolations(policy, node((p) => (p.pidsLimit = 200)));
            await assertNoViolations(policy, node((p) => delete p.pidsLimit));
        });
    });

    it("reports readOnly false", async () => {
        await assertHasViolation(policy, node((p) => (p.readOnly = false)), WRITABLE);
    });

    it("reports privileged", async () => {
        await assertHasViolation(policy, node((p) => (p.privileged = true)), PRIVILEGED);
    });

    it("passes privileged false", async () => {
        await assertNoViolations(policy, node((p) => (p.privileged = false)));
    });

    it("skips what is unknown during preview and reports what is known", async () => {
        await assertHasViolation(policy, node((p) => {
            p.capabilities = UNKNOWN_STRING;
            p.securityOpts = [UNKNOWN_STRING];
            p.pidsLimit = UNKNOWN_STRING;
            p.readOnly = false;
        }), WRITABLE);
    });

    it("does not apply to a container that is neither a node nor a monitoring container", async () => {
        await assertNotApplicable(policy, resourceArgs(CONTAINER, {
            name: "backup", image: "alpine:3.20", command: ["sleep", "infinity"], labels: [{ label: "pg-cluster.stack", value: "dev" }],
        }));
    });

    it("does not apply to a container it cannot tell yet to be either (labels and command unknown)", async () => {
        await assertNotApplicable(policy, resourceArgs(CONTAINER, { name: "pgx", image: UNKNOWN_STRING, labels: UNKNOWN_STRING, command: UNKNOWN_STRING }));
    });

    it("does not apply to other resources", async () => {
        await assertNotApplicable(policy, resourceArgs(COMMAND, seedStepProps("pg0", "primary")));
        await assertNotApplicable(policy, resourceArgs(REMOTE_IMAGE, remoteImageProps()));
    });
});

describe("containers-hardened with ha: patroni", () => {
    const policy = containersHardened;
    const etcd = (change: (props: Record<string, any>) => void = () => undefined) => {
        const props = etcdContainerProps("etcd0");
        change(props);
        return resourceArgs(CONTAINER, props);
    };

    it("passes the program's Patroni member: ALL dropped and none added back, no-new-privileges, a read-only root", async () => {
        await assertNoViolations(policy, resourceArgs(CONTAINER, patroniContainerProps("pg1")));
    });

    it("passes the program's etcd member, hardened the same way", async () => {
        await assertNoViolations(policy, etcd());
    });

    it("reports a Patroni member that adds SYS_ADMIN back", async () => {
        const props = patroniContainerProps("pg1");
        props.capabilities.adds = ["SYS_ADMIN"];
        await assertHasViolation(policy, resourceArgs(CONTAINER, props), adds("SYS_ADMIN"));
    });

    it("reports an etcd member that drops no capability", async () => {
        await assertHasViolation(policy, etcd((p) => delete p.capabilities), DROP_ALL);
    });

    it("reports an etcd member with a writable root (it uploads nothing, its files are on its volume)", async () => {
        await assertHasViolation(policy, etcd((p) => (p.readOnly = false)), WRITABLE);
    });

    it("reports an etcd member without no-new-privileges", async () => {
        await assertHasViolation(policy, etcd((p) => (p.securityOpts = [])), noNewPrivileges());
    });

    it("knows an etcd member by the pg-cluster.ha-member label too", async () => {
        await assertHasViolation(policy, etcd((p) => {
            p.entrypoints = ["/usr/local/bin/etcd-wrapper"];
            p.labels.push({ label: "pg-cluster.ha-member", value: "etcd" });
            p.privileged = true;
        }), PRIVILEGED);
    });
});
