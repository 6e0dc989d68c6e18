package dev.pgcluster.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.pgcluster.config.ClusterConfig;
import dev.pgcluster.testing.DeclaredResource;
import dev.pgcluster.testing.DeclaredStack;
import dev.pgcluster.testing.Golden;
import dev.pgcluster.testing.TestConfigs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Generated server arguments and rendered files against checked-in expected text. */
class GoldenTest {

    /**
     * The command line of ha: none. Staging and production ship ha: patroni, whose members get
     * these settings through the DCS instead (patroni-dcs-staging.json, patroni-dcs-prod.json): here
     * their shapes run ha: none.
     */
    @ParameterizedTest
    @ValueSource(strings = {"dev", "staging", "prod"})
    void serverArgumentsOfEachShippedShapeOnHaNone(String stack) {
        ClusterConfig config = TestConfigs.shippedOnHaNone(stack);
        // One command line for every node: the role is data, not configuration.
        Golden.assertMatches("server-args-" + stack + ".txt",
                "every node: " + String.join(" ", ServerSettings.serverArguments(config).stream()
                        .map(GoldenTest::quoted).toList()) + "\n");
    }

    /** In single quotes when it holds a space or a quote, so that the text shows where each argument ends. */
    private static String quoted(String argument) {
        return argument.matches("[^\\s'\"]+") ? argument : "'" + argument.replace("'", "'\\''") + "'";
    }

    /** What each node's conf step writes, as declared: prod runs ha: patroni, dev ha: none. */
    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void pgHbaOfEachShippedStack(String stack) {
        DeclaredStack declared = DeclaredStack.of(TestConfigs.shipped(stack));
        String conf = "pg-cluster-" + stack + "-pg0-conf";
        DeclaredResource step = declared.find(r -> r.type().equals("command:local:Command") && r.name().equals(conf),
                "no step " + conf);
        @SuppressWarnings("unchecked")
        var environment = (Map<String, String>) step.input("environment");
        Golden.assertMatches("pg_hba-" + stack + ".conf", environment.get("PGC_HBA"));
    }

    @Test
    void pgHbaWithoutTls() {
        ClusterConfig config = TestConfigs.shipped("dev");
        Golden.assertMatches("pg_hba-without-tls.conf",
                InitScripts.pgHba(config.subnet().cidr(), config.subnet().gateway(), config.replicationUser(), false));
    }

    @ParameterizedTest
    @ValueSource(strings = {InitScripts.CREATE_SLOT, InitScripts.DROP_SLOT, InitScripts.SEED,
            InitScripts.SEED_UPDATE, InitScripts.INIT_IN_CONTAINER, InitScripts.BASE_BACKUP_IN_CONTAINER,
            InitScripts.CONVERGE, InitScripts.REJOIN_IN_CONTAINER, InitScripts.SYNC_PASSWORDS,
            InitScripts.SYNC_CONNINFO, InitScripts.AWAIT_HEALTHY, InitScripts.GENERATE_PASSWORD,
            InitScripts.MAKE_CA, InitScripts.CA_IN_CONTAINER, InitScripts.SYNC_CONF, InitScripts.CONF_IN_CONTAINER,
            InitScripts.COPY_IMAGE})
    void everyInitScriptIsWhatIsShippedAndParsesAsPosixShell(String script) throws Exception {
        Path file = Path.of("init", script);
        String text = InitScripts.read(script);
        String body = Files.readString(file);
        // init/lib/hosts.sh comes second exactly when the script calls one of its functions.
        List<String> hostFunctions = Files.readString(Path.of("init", InitScripts.HOSTS)).lines()
                .filter(l -> l.matches("pgc_[a-z_]+\\(\\) \\{")).map(l -> l.substring(0, l.indexOf('('))).toList();
        assertTrue(hostFunctions.containsAll(List.of("pgc_on", "pgc_container_state")), hostFunctions.toString());
        boolean usesHosts = hostFunctions.stream().anyMatch(f -> java.util.regex.Pattern.compile("\\b" + f + "\\b")
                .matcher(body).find());
        assertEquals(Files.readString(Path.of("init", InitScripts.COMMON)) + "\n"
                + (usesHosts ? Files.readString(Path.of("init", InitScripts.HOSTS)) + "\n" : "") + body, text,
                "the classpath copy of " + file + " (with init/" + InitScripts.COMMON + " in front) is stale; rebuild");
        Process check = new ProcessBuilder("sh", "-n", file.toString()).redirectErrorStream(true).start();
        String out = new String(check.getInputStream().readAllBytes());
        check.waitFor(30, TimeUnit.SECONDS);
        assertEquals(0, check.exitValue(), "sh -n " + file + ": " + out);
        List<String> lines = text.lines().toList();
        assertEquals(true, lines.stream().anyMatch(l -> l.equals("set -eu")), file + " must run with set -eu");
    }
}
