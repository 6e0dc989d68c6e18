package dev.pgcluster.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * tools/launch/mvn, the executor the Java language host runs (Pulumi.yaml): Maven builds and runs
 * the program whenever anything it builds from changed, the program starts without Maven only
 * when nothing did, and every other command line reaches Maven unchanged. Maven and java are
 * stand-ins here that write down how they were called; the real ones run in the real-engine layer
 * and the benchmark.
 */
class LaunchScriptTest {
    private static final Path SCRIPT = Path.of("tools", "launch", "mvn");
    private static final List<String> PACKAGES = List.of("-Dorg.slf4j.simpleLogger.logFile=System.err", "--no-transfer-progress",
            "compile", "exec:java", "-DmainClass=com.pulumi.bootstrap.internal.Main", "-DmainArgs=packages");
    private static final List<String> RUN = List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "--no-transfer-progress",
            "compile", "exec:java");

    @TempDir
    Path dir;
    private Path project;
    private Path calls;
    private Path jar;

    @BeforeEach
    void aProjectWithStandInsForMavenAndJava() throws IOException {
        project = dir.resolve("project");
        calls = dir.resolve("calls");
        jar = dir.resolve("repo").resolve("dep.jar");
        Files.createDirectories(jar.getParent());
        Files.writeString(jar, "jar");
        copy(Path.of("pom.xml"), project.resolve("pom.xml"));
        copy(Path.of(".mvn", "jvm.config"), project.resolve(".mvn/jvm.config"));
        copy(SCRIPT, project.resolve(SCRIPT));
        Files.writeString(write(project.resolve("src/main/java/App.java")), "class App {}");
        Files.writeString(write(project.resolve("init/a.sh")), "echo a");
        Files.writeString(write(project.resolve("monitoring/queries.yml")), "q: 1");
        // Maven: writes down its arguments; with the classpath goal, compiles (target/classes) and
        // writes the classpath; answers the packages question; exits with $FAKE_STATUS.
        script(dir.resolve("bin/mvn"), """
                #!/bin/sh
                echo "mvn $*" >> "$CALLS"
                [ -n "${FAKE_COMPILE_FAILS:-}" ] && exit 1
                for a in "$@"; do
                    case $a in -Dmdep.outputFile=*) mkdir -p target/classes; printf '%s' "$FAKE_JAR" > "${a#-Dmdep.outputFile=}" ;; esac
                done
                case "$*" in *-DmainArgs=packages*) echo '[{"name":"docker"}]' ;; esac
                exit "${FAKE_STATUS:-0}"
                """);
        script(dir.resolve("jdk/bin/java"), """
                #!/bin/sh
                echo "java $*" >> "$CALLS"
                case "$*" in *" packages") echo '[{"name":"docker"}]' ;; esac
                exit "${FAKE_STATUS:-0}"
                """);
    }

    @Test
    void theFirstRunBuildsWithMavenAndWritesTheClasspathThenTheProgramStartsWithoutIt() throws Exception {
        var first = launch(PACKAGES, Map.of());
        assertEquals(0, first.status, first.output);
        assertEquals("[{\"name\":\"docker\"}]\n", first.output);
        var mvnArgs = new ArrayList<>(PACKAGES);
        mvnArgs.addAll(3, List.of("dependency:build-classpath", "-Dmdep.outputFile=target/launch/classpath.PID",
                "-Dmdep.includeScope=runtime", "-Dmdep.pathSeparator=:"));
        assertEquals(List.of("mvn " + String.join(" ", mvnArgs)), calls());

        var packages = launch(PACKAGES, Map.of());
        assertEquals("[{\"name\":\"docker\"}]\n", packages.output, "the packages answer of Maven's run, without Maven or java");
        var run = launch(RUN, Map.of());
        assertEquals(0, run.status, run.output);
        assertEquals(List.of("java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp target/classes:" + jar + " dev.pgcluster.App"),
                calls(), "the program starts with .mvn/jvm.config's options, the classpath Maven wrote and pom.xml's main class");
    }

    @Test
    void aChangedAddedOrRemovedSourceOrResourceOrAGoneJarBuildsWithMavenAgain() throws Exception {
        launch(PACKAGES, Map.of());
        for (Runnable change : List.<Runnable>of(
                () -> touch(project.resolve("src/main/java/App.java")),
                () -> touch(project.resolve("pom.xml")),
                () -> touch(project.resolve(".mvn/jvm.config")),
                () -> touch(project.resolve("monitoring/queries.yml")),
                () -> writeFile(project.resolve("init/b.sh")),
                () -> delete(project.resolve("init/b.sh")),
                () -> touch(jar),
                () -> delete(jar))) {
            calls();
            change.run();
            launch(RUN, Map.of());
            List<String> seen = calls();
            assertEquals(1, seen.size(), seen.toString());
            assertTrue(seen.get(0).startsWith("mvn "), "after a change Maven builds and runs the program: " + seen);
            if (!Files.exists(jar)) {
                writeFile(jar);
            }
            launch(PACKAGES, Map.of());
            calls();
            launch(RUN, Map.of());
            seen = calls();
            assertTrue(seen.size() == 1 && seen.get(0).startsWith("java "), "once built, the program starts without Maven: " + seen);
        }
    }

    @Test
    void everyOtherCommandLineReachesMavenUnchanged() throws Exception {
        launch(PACKAGES, Map.of());
        for (List<String> args : List.of(List.of("-B", "verify"), List.of("--no-transfer-progress", "dependency:tree",
                "-DoutputType=tgf"), List.of("compile", "exec:java", "-DmainClass=other.Main"), List.of("compile", "exec:java", "-X"),
                List.of("compile", "exec:java", "-Dexec.args=x"))) {
            calls();
            launch(args, Map.of());
            assertEquals(List.of("mvn " + String.join(" ", args)), calls());
        }
        calls();
        launch(RUN, Map.of("PG_CLUSTER_LAUNCH", "maven"));
        assertEquals(List.of("mvn " + String.join(" ", RUN)), calls(), "PG_CLUSTER_LAUNCH=maven always runs Maven as is");
    }

    @Test
    void aFailedBuildIsNeverSkippedAndTheProgramsOwnExitStatusComesThrough() throws Exception {
        var failed = launch(RUN, Map.of("FAKE_COMPILE_FAILS", "yes"));
        assertEquals(1, failed.status);
        calls();
        var refused = launch(RUN, Map.of("FAKE_STATUS", "32"));
        assertEquals(32, refused.status, "the program's status (a refused config value) through Maven");
        assertTrue(calls().get(0).startsWith("mvn "), "a failed compile leaves nothing that skips Maven");
        var again = launch(RUN, Map.of("FAKE_STATUS", "32"));
        assertEquals(32, again.status, "and without Maven");
        assertEquals(1, calls().size());
        assertTrue(Files.exists(project.resolve("target/launch/stamp")));
        assertFalse(Files.exists(project.resolve("target/launch/packages")), "no packages answer from a run of the program");
    }

    /** Every directory Maven compiles or copies into the program's classpath is one the script watches. */
    @Test
    void theWatchedInputsCoverPomXmlsSourcesAndResources() throws Exception {
        Matcher inputs = Pattern.compile("(?m)^INPUTS=\"([^\"]*)\"$").matcher(Files.readString(SCRIPT));
        assertTrue(inputs.find());
        List<String> watched = Arrays.asList(inputs.group(1).split(" "));
        var pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile());
        var needed = new ArrayList<>(List.of("pom.xml", ".mvn", "src/main", SCRIPT.toString()));
        NodeList resources = pom.getElementsByTagName("resource");
        for (int i = 0; i < resources.getLength(); i++) {
            needed.add(((Element) resources.item(i)).getElementsByTagName("directory").item(0).getTextContent().trim());
        }
        assertTrue(resources.getLength() > 0);
        for (String path : needed) {
            assertTrue(watched.stream().anyMatch(w -> path.equals(w) || path.startsWith(w + "/")),
                    path + " is built into the program but tools/launch/mvn does not watch it: " + watched);
        }
        assertEquals(0, pom.getElementsByTagName("sourceDirectory").getLength(), "the sources are Maven's default src/main/java");
        assertEquals("dev.pgcluster.App", property(pom, "mainClass"), "the main class the script reads from pom.xml");
        assertEquals("", property(pom, "mainArgs"), "the script starts the program without arguments, as pom.xml does");
    }

    private static String property(org.w3c.dom.Document pom, String name) {
        return pom.getElementsByTagName(name).item(0).getTextContent().trim();
    }

    private record Launch(int status, String output) { }

    private Launch launch(List<String> args, Map<String, String> extra) throws Exception {
        var command = new ArrayList<String>();
        command.add(project.resolve(SCRIPT).toString());
        command.addAll(args);
        var pb = new ProcessBuilder(command).directory(project.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.equals("MAVEN_OPTS") || k.equals("PG_CLUSTER_LAUNCH"));
        env.put("PATH", dir.resolve("bin") + ":/usr/bin:/bin");
        env.put("JAVA_HOME", dir.resolve("jdk").toString());
        env.put("CALLS", calls.toString());
        env.put("FAKE_JAR", jar.toString());
        env.putAll(extra);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return new Launch(p.exitValue(), output);
    }

    /** The calls since the last look, with the script's process id taken out of file names. */
    private List<String> calls() throws IOException {
        if (!Files.exists(calls)) {
            return List.of();
        }
        List<String> lines = Files.readAllLines(calls).stream().map(l -> l.replaceAll("\\.\\d+\\b", ".PID")).toList();
        Files.delete(calls);
        return lines;
    }

    private static Path write(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        return file;
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.copy(from, write(to), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
    }

    private static void script(Path file, String text) throws IOException {
        Files.writeString(write(file), text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Modified after the last build: the stamp is moved a minute back, the file half a minute. */
    private void touch(Path file) {
        try {
            Instant now = Instant.now();
            Files.setLastModifiedTime(project.resolve("target/launch/stamp"), FileTime.from(now.minusSeconds(60)));
            Files.setLastModifiedTime(file, FileTime.from(now.minusSeconds(30)));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void writeFile(Path file) {
        try {
            Files.writeString(write(file), "x");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.delete(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
