package dev.pgcluster.realdocker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

/**
 * What an attacker holding only the exported application credential plants in database postgres
 * (where the application role may create in schema public) to run code as whoever calls it: a
 * function that marks that it ran (a file in /tmp through COPY TO PROGRAM, which only a superuser
 * may use and which works on a standby; a row; the superuser attribute for the application role),
 * better-matching overloads of built-ins called with untyped literals, same-signature copies of
 * built-ins, and views named like the catalog views. Armed, the database's search_path puts public
 * before pg_catalog, as a role owning the database could: then a session that does not pin its
 * search_path calls the planted objects. Shared by both modes' tests (SecurityDockerTest for
 * {@code ha: none}, PatroniDockerTest for Patroni's own sessions).
 */
final class HostileAppRole {
    /** What a session of pg-cluster's (or of the test) must carry to be safe from the trap. */
    static final String PINNED = "PGOPTIONS=-c search_path=pg_catalog,pg_temp";

    private HostileAppRole() {
    }

    /** The application role can neither set database postgres's search_path, make pg-cluster's schema, nor own the database. */
    static void assertCannotTakeOverTheDatabase(String appJdbc, String appUser) {
        for (String forbidden : List.of("ALTER DATABASE postgres SET search_path = public, pg_catalog",
                "CREATE SCHEMA pgcluster", "ALTER DATABASE postgres OWNER TO " + appUser)) {
            var refused = assertThrows(IllegalStateException.class, () -> Sql.execute(appJdbc, forbidden), forbidden);
            assertTrue(refused.getMessage().contains("must be owner") || refused.getMessage().contains("permission denied"),
                    forbidden + ": " + refused.getMessage());
        }
    }

    /** Plants, as the application role, everything described above; nothing is armed yet. */
    static void plant(String appJdbc, String appUser) {
        Sql.execute(appJdbc, "CREATE TABLE public.pwned (who text, via text, at timestamptz DEFAULT now())");
        Sql.execute(appJdbc, "CREATE FUNCTION public.pwn(via text) RETURNS text LANGUAGE plpgsql AS $f$ BEGIN "
                + "BEGIN EXECUTE pg_catalog.format('COPY (SELECT 1) TO PROGRAM %L', 'touch /tmp/pwned-' || via); "
                + "EXCEPTION WHEN OTHERS THEN NULL; END; "
                + "BEGIN INSERT INTO public.pwned (who, via) VALUES (current_user, via); EXCEPTION WHEN OTHERS THEN NULL; END; "
                + "BEGIN EXECUTE 'ALTER ROLE " + appUser + " SUPERUSER'; EXCEPTION WHEN OTHERS THEN NULL; END; "
                + "RETURN 'streaming'; END $f$");
        for (String ddl : List.of(
                // Better-matching overloads of built-ins called with untyped literals.
                "CREATE FUNCTION public.pg_create_physical_replication_slot(text, boolean) RETURNS text LANGUAGE sql "
                        + "AS $$ SELECT public.pwn('create-slot') $$",
                "CREATE FUNCTION public.pg_drop_replication_slot(text) RETURNS text LANGUAGE sql AS $$ SELECT public.pwn('drop-slot') $$",
                "CREATE FUNCTION public.format(text, text) RETURNS text LANGUAGE sql AS $$ SELECT public.pwn('format') $$",
                // Same-signature copies that answer like the built-in (the cluster keeps working) and mark.
                "CREATE FUNCTION public.pg_is_in_recovery() RETURNS boolean LANGUAGE sql "
                        + "AS $$ SELECT public.pwn('in-recovery') IS NOT NULL AND pg_catalog.pg_is_in_recovery() $$",
                "CREATE FUNCTION public.pg_current_wal_lsn() RETURNS pg_lsn LANGUAGE sql "
                        + "AS $$ SELECT CASE WHEN public.pwn('current-wal-lsn') IS NULL THEN NULL ELSE pg_catalog.pg_current_wal_lsn() END $$",
                "CREATE FUNCTION public.pg_last_wal_replay_lsn() RETURNS pg_lsn LANGUAGE sql "
                        + "AS $$ SELECT CASE WHEN public.pwn('replay-lsn') IS NULL THEN NULL ELSE pg_catalog.pg_last_wal_replay_lsn() END $$",
                "CREATE FUNCTION public.pg_postmaster_start_time() RETURNS timestamptz LANGUAGE sql "
                        + "AS $$ SELECT CASE WHEN public.pwn('start-time') IS NULL THEN NULL ELSE pg_catalog.pg_postmaster_start_time() END $$",
                // Views named like the catalog views the steps, the health checks and Patroni read.
                "CREATE VIEW public.pg_stat_wal_receiver AS SELECT public.pwn('wal-receiver') AS status, NULL::text AS sender_host",
                "CREATE VIEW public.pg_replication_slots AS SELECT public.pwn('slots') AS slot_name, NULL::text AS wal_status, "
                        + "false AS active, NULL::pg_lsn AS restart_lsn, NULL::int AS active_pid",
                "CREATE VIEW public.pg_stat_replication AS SELECT public.pwn('replication') AS application_name, "
                        + "'streaming'::text AS state, NULL::pg_lsn AS replay_lsn",
                "CREATE VIEW public.pg_roles AS SELECT public.pwn('roles')::name AS rolname, true AS rolsuper",
                "CREATE VIEW public.pg_event_trigger AS SELECT public.pwn('event-trigger')::name AS evtname")) {
            Sql.execute(appJdbc, ddl);
        }
    }

    /**
     * Arms the trap on the writable node: database postgres's search_path puts public first. From
     * now on the test's own superuser sessions must be {@link #pinned} too, or the trap catches them.
     * Then checks that it is armed (an unpinned session of the application role reads the planted
     * view) and clears the mark that check left.
     */
    static void arm(String writable, String appJdbc) {
        Docker.psql(writable, "ALTER DATABASE postgres SET search_path = public, pg_catalog");
        assertEquals("streaming", Sql.query(appJdbc, "SELECT status FROM pg_stat_wal_receiver"));
        Sql.execute(appJdbc, "DELETE FROM public.pwned");
    }

    static void disarm(String writable) {
        pinned(writable, "ALTER DATABASE postgres RESET search_path");
    }

    /** A superuser session of the test's own, hardened like pg-cluster's. */
    static String pinned(String container, String sql) {
        return Docker.ok("exec", "-u", "postgres", "-e", PINNED, container,
                "psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", sql);
    }

    static void awaitPinned(String container, String sql, String expected, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            Shell.Result result = Docker.run("exec", "-u", "postgres", "-e", PINNED,
                    container, "psql", "-X", "-q", "-At", "-d", "postgres", "-c", sql);
            last = result.stdout().strip() + result.stderr().strip();
            if (expected.equals(last)) {
                return;
            }
            Docker.sleep(Duration.ofMillis(250));
        }
        throw new AssertionError(sql + " on " + container + ": " + last + " after " + timeout);
    }

    /**
     * Nothing planted ran as the superuser: no row, no superuser attribute, no file on any node.
     * And the roles whose sessions pg-cluster and Patroni open in database postgres (the superuser;
     * the replication role, which may read any file of the server for pg_rewind) pin their
     * search_path, whatever a database says.
     */
    static void assertNothingRan(String writable, String appUser, List<String> containers, String... pinnedRoles) {
        for (String role : pinnedRoles) {
            assertEquals("{\"search_path=pg_catalog, pg_temp\"}", pinned(writable,
                    "SELECT setconfig FROM pg_db_role_setting WHERE setrole = '" + role + "'::regrole AND setdatabase = 0"), role);
        }
        assertEquals("f", pinned(writable, "SELECT rolsuper FROM pg_roles WHERE rolname = '" + appUser + "'"));
        assertEquals("", pinned(writable, "SELECT coalesce(string_agg(who || ' via ' || via, ', '), '') FROM public.pwned"),
                "a planted object ran as the superuser");
        for (String container : containers) {
            String marks = Docker.ok("exec", container, "sh", "-c", "ls /tmp | grep '^pwned' || true");
            assertEquals("", marks, "a planted object ran as the superuser on " + container);
        }
    }
}
