package dev.pgcluster.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ValidatorsTest {
    private static final String IMAGE_ALLOWED = "a pinned image reference: name:tag with a version tag "
            + "(e.g. postgres:17.6) or name@sha256:<digest>; not a bare name and not :latest";

    @ParameterizedTest
    @ValueSource(strings = {"postgres:17.6", "postgres:17.6-bookworm", "postgres:17", "library/postgres:17.2",
            "registry.example.com:5000/team/postgres:17.6",
            "postgres@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "pg-cluster-test/postgres:17"})
    void acceptsPinnedImageReferences(String reference) {
        assertEquals(reference, Validators.imageReference("k", reference));
    }

    @ParameterizedTest
    @ValueSource(strings = {"postgres", "postgres:latest", "postgres:LATEST", "postgres:alpine", "Postgres:17",
            "postgres::17", "", "postgres@sha256:abc", "http://postgres:17"})
    void rejectsUnpinnedOrMalformedImageReferences(String reference) {
        var e = assertThrows(InvalidValue.class, () -> Validators.imageReference("pg-cluster:image", reference));
        assertEquals("pg-cluster:image = \"" + reference + "\" is not allowed: " + IMAGE_ALLOWED, e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"0,0", "3,3", " 7 ,7", "10,10"})
    void parsesWholeNumbersInRange(String raw, int expected) {
        assertEquals(expected, Validators.integer("k", raw, 0, 10));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "11", "1.5", "three", "", "0x3", "99999999999"})
    void rejectsNumbersOutOfRangeOrMalformed(String raw) {
        var e = assertThrows(InvalidValue.class, () -> Validators.integer("pg-cluster:replicas", raw, 0, 10));
        assertEquals("pg-cluster:replicas = \"" + raw + "\" is not allowed: a whole number from 0 to 10", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "True", "1", "on", ""})
    void acceptsOnlyTrueOrFalseAsBooleans(String raw) {
        var e = assertThrows(InvalidValue.class, () -> Validators.bool("pg-cluster:pullImage", raw));
        assertEquals("pg-cluster:pullImage = \"" + raw + "\" is not allowed: true or false", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"10.89.0.0/24,10.89.0.1", "172.20.0.0/16,172.20.0.1", "192.168.7.16/28,192.168.7.17"})
    void acceptsPrivateSubnetsAndDerivesTheGateway(String cidr, String gateway) {
        var subnet = Validators.subnet("k", cidr, 4);
        assertEquals(cidr, subnet.cidr());
        assertEquals(gateway, subnet.gateway());
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.89.0.1/24", "8.8.8.0/24", "10.89.0.0/8", "10.89.0.0/29", "10.89.0.0", "10.89.0.0/abc",
            "256.1.1.0/24", "0.0.0.0/0", "172.32.0.0/16", "192.168.1.0/28"})
    void rejectsPublicMisalignedOrTooSmallSubnets(String cidr) {
        var e = assertThrows(InvalidValue.class, () -> Validators.subnet("pg-cluster:subnet", cidr, 14));
        assertEquals("pg-cluster:subnet = \"" + cidr + "\" is not allowed: a private IPv4 network in CIDR form "
                + "(10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 ranges), prefix /16 to /28, host bits zero, "
                + "with room for 14 nodes (e.g. 10.89.0.0/24)", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1GB", "512MB", "64kB", "2TB"})
    void acceptsBoundedWalSizes(String raw) {
        assertEquals(raw, Validators.walSize("k", raw));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "0", "0GB", "1gb", "1 GB", "1G", "unlimited", ""})
    void rejectsUnboundedOrMalformedWalSizes(String raw) {
        var e = assertThrows(InvalidValue.class, () -> Validators.walSize("pg-cluster:maxSlotWalKeepSize", raw));
        assertEquals("pg-cluster:maxSlotWalKeepSize = \"" + raw + "\" is not allowed: a positive PostgreSQL size "
                + "with unit kB, MB, GB or TB (e.g. 1GB); -1 (unbounded) is not allowed", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"512,512", "512m,512", "2g,2048", "1G,1024"})
    void parsesMemorySizesToMebibytes(String raw, int mb) {
        assertEquals(mb, Validators.memoryMb("k", raw, 128));
    }

    @ParameterizedTest
    @ValueSource(strings = {"64m", "1.5g", "lots", "-512m", "512mb", ""})
    void rejectsMemorySizesThatDoNotParseOrAreTooSmall(String raw) {
        var e = assertThrows(InvalidValue.class, () -> Validators.memoryMb("pg-cluster:memory", raw, 128));
        assertEquals("pg-cluster:memory = \"" + raw + "\" is not allowed: a size of at least 128 MiB: a number of MiB, "
                + "or with unit m or g (e.g. 512m, 2g)", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"off,OFF,0", "OFF,OFF,0", "any 1,ANY,1", "FIRST 2,FIRST,2", "any   3,ANY,3"})
    void parsesSynchronousModes(String raw, SyncReplication.Method method, int count) {
        var sync = Validators.sync("k", raw, "c", "on");
        assertEquals(method, sync.method());
        assertEquals(count, sync.count());
    }

    @ParameterizedTest
    @ValueSource(strings = {"quorum", "any", "any 0", "first -1", "all 2", "on", "first 1 (pg1)"})
    void rejectsUnknownSynchronousModes(String raw) {
        var e = assertThrows(InvalidValue.class, () -> Validators.sync("pg-cluster:synchronous", raw, "c", "on"));
        assertEquals("pg-cluster:synchronous = \"" + raw + "\" is not allowed: off, \"first <n>\" or \"any <n>\" "
                + "with n at least 1 (e.g. any 1)", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"yes", "ON", "remote", ""})
    void rejectsUnknownSynchronousCommitLevels(String raw) {
        var e = assertThrows(InvalidValue.class,
                () -> Validators.sync("pg-cluster:synchronous", "any 1", "pg-cluster:synchronousCommit", raw));
        assertEquals("pg-cluster:synchronousCommit = \"" + raw + "\" is not allowed: one of on, remote_apply, "
                + "remote_write, local, off", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Replicator", "1user", "pg_repl", "postgres", "repl-user", "a b", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl"})
    void rejectsInvalidRoleNames(String raw) {
        var e = assertThrows(InvalidValue.class,
                () -> Validators.identifier("pg-cluster:replicationUser", raw, List.of("postgres")));
        assertEquals("pg-cluster:replicationUser = \"" + raw + "\" is not allowed: a lower-case identifier of letters, "
                + "digits and _ (at most 63, not starting with a digit or pg_, not postgres)", e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {"[5433,5434];5433,5434", "[ 6000 , 6001 ];6000,6001", "[];"})
    void parsesPortLists(String raw, String expected) {
        List<Integer> ports = expected == null ? List.of()
                : java.util.Arrays.stream(expected.split(",")).map(Integer::valueOf).toList();
        assertEquals(ports, Validators.portList("k", raw));
    }

    @ParameterizedTest
    @ValueSource(strings = {"5433,5434", "[0]", "[65536]", "[a]", "[5433,]"})
    void rejectsMalformedPortLists(String raw) {
        var e = assertThrows(InvalidValue.class, () -> Validators.portList("pg-cluster:replicaPorts", raw));
        assertEquals("pg-cluster:replicaPorts = \"" + raw + "\" is not allowed: a list of ports from 1 to 65535, "
                + "e.g. [5433, 5434]", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"short", "0123456789a"})
    void rejectsShortPasswordsWithoutEchoingThem(String raw) {
        var e = assertThrows(InvalidValue.class, () -> Validators.password("pg-cluster:superuserPassword", raw));
        assertEquals("pg-cluster:superuserPassword: must be 12 to 1024 characters long", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"line one\nline two", "tab\there-and-more"})
    void rejectsPasswordsWithControlCharacters(String raw) {
        var e = assertThrows(InvalidValue.class, () -> Validators.password("pg-cluster:replicationPassword", raw));
        assertEquals("pg-cluster:replicationPassword: must not contain control characters such as newlines", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker.sock", "http://host:2375", "tcp://"})
    void rejectsDockerHostsThatAreNotUrls(String raw) {
        var e = assertThrows(InvalidValue.class, () -> Validators.dockerHost("pg-cluster:dockerHost", raw));
        assertEquals("pg-cluster:dockerHost = \"" + raw + "\" is not allowed: " + BadConfigValues.DOCKER_HOSTS_ALLOWED, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"tcp://db-host:2375", "tcp://10.0.0.5:2375", "tcp://0.0.0.0:2375", "tcp://[2001:db8::1]:2375",
            "tcp://127.0.0.1.example.com:2375", "tcp://ops@127.0.0.1:2375", "tcp://[::ffff:127.0.0.1]:2375"})
    void rejectsPlainTcpToAnEngineThatIsNotOnLoopback(String raw) {
        var e = assertThrows(InvalidValue.class, () -> Validators.dockerHost("pg-cluster:dockerHost", raw));
        assertEquals("pg-cluster:dockerHost = \"" + raw + "\" is not allowed: " + BadConfigValues.DOCKER_HOSTS_ALLOWED, e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"unix:///var/run/docker.sock", "unix:///run/docker26/docker.sock", "ssh://ops@db-host",
            "ssh://ops@db-host:2222", "npipe:////./pipe/docker_engine", "tcp://127.0.0.1:2375", "tcp://127.1.2.3:2375",
            "tcp://localhost:2375", "tcp://LOCALHOST", "tcp://[::1]:2375"})
    void acceptsLocalEnginesAndSsh(String raw) {
        assertEquals(raw, Validators.dockerHost("pg-cluster:dockerHost", " " + raw + " "));
    }

    /** The program and the policy pack refuse the same role names (policies/lib/roles.ts). */
    @Test
    void theProgramAndThePolicyPackReserveTheSameRoleNames() throws java.io.IOException {
        String roles = java.nio.file.Files.readString(java.nio.file.Path.of("policies", "lib", "roles.ts"));
        var inPack = new java.util.TreeSet<String>();
        for (String list : List.of("SPECIAL_ROLE_NAMES", "RESERVED_KEY_WORDS")) {
            int start = roles.indexOf("[", roles.indexOf("export const " + list));
            var words = java.util.regex.Pattern.compile("\"([a-z_]+)\"").matcher(roles.substring(start, roles.indexOf("];", start)));
            while (words.find()) {
                inPack.add(words.group(1));
            }
        }
        assertEquals(inPack, new java.util.TreeSet<>(Validators.RESERVED_ROLE_NAMES));
        assertTrue(roles.contains("RESERVED_ROLE_PREFIX = \"pg_\""), "both refuse pg_…");
    }
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "s3.eu-west-1.amazonaws.com|s3.eu-west-1.amazonaws.com|443",
            "MinIO.internal:9000|minio.internal|9000",
            "10.0.0.5:9000|10.0.0.5|9000"})
    void anS3EndpointIsAHostAndAPort(String raw, String host, int port) {
        assertEquals(java.util.Map.entry(host, port), Validators.s3Endpoint("pg-cluster:backupS3Endpoint", raw));
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://s3.example.com", "s3.example.com:0", "s3.example.com:70000", "-bad-.example.com",
            "s3.example.com/bucket", "1.2.3", ""})
    void anS3EndpointWithSchemePathOrBadPortIsRefused(String raw) {
        var e = assertThrows(InvalidValue.class, () -> Validators.s3Endpoint("pg-cluster:backupS3Endpoint", raw));
        assertTrue(e.getMessage().startsWith("pg-cluster:backupS3Endpoint = \"" + raw + "\" is not allowed: a host name"),
                e.getMessage());
    }

    /** A pasted URL with credentials (AWS secret keys hold / and may hold @): the refusal never repeats them. */
    @ParameterizedTest
    @ValueSource(strings = {"https://AKIAEXAMPLE:wJalrXUtnFEMI@s3.example.com",
            "https://AKIAEXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCY@s3.example.com",
            "AKIAEXAMPLE:p@ss/wJalrXUtnFEMI@s3.example.com"})
    void credentialsInAPastedEndpointAreNeverRepeated(String raw) {
        var e = assertThrows(InvalidValue.class, () -> Validators.s3Endpoint("pg-cluster:backupS3Endpoint", raw));
        assertTrue(!e.getMessage().contains("wJalrXUtnFEMI") && !e.getMessage().contains("AKIAEXAMPLE")
                && !e.getMessage().contains("ss/"), e.getMessage());
        assertTrue(e.getMessage().startsWith("pg-cluster:backupS3Endpoint = \"" + (raw.startsWith("https://") ? "https://" : "")
                + "…@s3.example.com\" is not allowed"), e.getMessage());
    }
}
