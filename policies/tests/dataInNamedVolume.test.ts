import { describe, it } from "node:test";
import { dataInNamedVolume } from "../rules/dataInNamedVolume";
import { containerProps, CONTAINER, etcdContainerProps, patroniContainerProps, setEnv } from "./builders";
import { assertHasViolation, assertNoViolations, assertNotApplicable, resourceArgs } from "./util";

const PGDATA = "/var/lib/postgresql/data/pgdata";

describe("data-in-named-volume", () => {
    const policy = dataInNamedVolume;
    const args = (props: Record<string, any>) => resourceArgs(CONTAINER, props);
    const notOnVolume = (pgdata: string) =>
        `The data directory ${pgdata} is not on a volume; mount a named volume at ${pgdata} or a parent ` +
        "(volumes: [{volumeName, containerPath}]) so the data survives replacing the container.";

    it("passes a named volume mounted above PGDATA", async () => {
        await assertNoViolations(policy, args(containerProps("pg0")));
    });

    it("passes a named volume mounted at PGDATA", async () => {
        const props = containerProps("pg0");
        props.volumes[0].containerPath = PGDATA;
        await assertNoViolations(policy, args(props));
    });

    it("passes the image's default PGDATA on the volume", async () => {
        const props = containerProps("pg0");
        setEnv(props, "PGDATA", undefined);
        await assertNoViolations(policy, args(props));
    });

    it("passes a volume given as a mount", async () => {
        const props = containerProps("pg0");
        delete props.volumes;
        props.mounts = [{ target: "/var/lib/postgresql/data", source: "pg-cluster-dev-pg0-data", type: "volume" }];
        await assertNoViolations(policy, args(props));
    });

    it("reports no volume at all", async () => {
        const props = containerProps("pg0");
        delete props.volumes;
        await assertHasViolation(policy, args(props), notOnVolume(PGDATA));
    });

    it("reports a volume mounted elsewhere", async () => {
        const props = containerProps("pg0");
        props.volumes[0].containerPath = "/backups";
        await assertHasViolation(policy, args(props), notOnVolume(PGDATA));
    });

    it("reports a host path", async () => {
        const props = containerProps("pg0");
        props.volumes = [{ hostPath: "/srv/pg0", containerPath: "/var/lib/postgresql/data" }];
        await assertHasViolation(policy, args(props),
            `The data directory ${PGDATA} is on host path "/srv/pg0" (mounted at /var/lib/postgresql/data); use a named Docker volume instead.`);
    });

    it("reports a bind mount over PGDATA below a named volume", async () => {
        const props = containerProps("pg0");
        props.mounts = [{ target: PGDATA, source: "/srv/pg0", type: "bind" }];
        await assertHasViolation(policy, args(props),
            `The data directory ${PGDATA} is on host path "/srv/pg0" (mounted at ${PGDATA}); use a named Docker volume instead.`);
    });

    it("reports an anonymous volume", async () => {
        const props = containerProps("pg0");
        props.volumes = [{ containerPath: "/var/lib/postgresql/data" }];
        await assertHasViolation(policy, args(props),
            `The data directory ${PGDATA} is on an anonymous volume (mounted at /var/lib/postgresql/data without a volumeName), ` +
            "which is lost when the container is replaced; give it a named volume.");
    });
});

describe("data-in-named-volume with ha: patroni", () => {
    const policy = dataInNamedVolume;

    it("passes a Patroni member's PGDATA on its named volume", async () => {
        await assertNoViolations(policy, resourceArgs(CONTAINER, patroniContainerProps("pg1")));
    });

    it("reports a Patroni member whose PGDATA is on no volume", async () => {
        const props = patroniContainerProps("pg1");
        props.volumes = [];
        await assertHasViolation(policy, resourceArgs(CONTAINER, props),
            `The data directory ${PGDATA} is not on a volume; mount a named volume at ${PGDATA} or a parent ` +
            "(volumes: [{volumeName, containerPath}]) so the data survives replacing the container.");
    });

    it("does not apply to an etcd member (patroni-dcs-members checks where it keeps its data)", async () => {
        await assertNotApplicable(policy, resourceArgs(CONTAINER, etcdContainerProps("etcd0")));
    });
});
