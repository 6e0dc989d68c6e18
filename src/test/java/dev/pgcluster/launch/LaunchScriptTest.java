package dev.pgcluster.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * tools/launch/mvn, the executor the Java language host runs (Pulumi.yaml): Maven builds whenever
 * anything the program is built from changed, java runs the program on the classpath of Maven's
 * last build, and every other command line reaches Maven unchanged. Maven and java are stand-ins
 * here that write down how they were called; the real ones run in the real-engine layer
 * (QuickStartDockerTest) and the benchmark.
 */
class LaunchScriptTest {
    private static final Path SCRIPT = Path.of("tools", "launch", "mvn");
    private static final List<String> PACKAGES = List.of("-Dorg.slf4j.simpleLogger.logFile=System.err", "--no-transfer-progress",
            "compile", "exec:java", "-DmainClass=com.pulumi.bootstrap.internal.Main", "-DmainArgs=packages");
    private static final List<String> RUN = List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "--no-transfer-progress",
            "compile", "exec:java");
    private static final String BUILD = "mvn -q --batch-mode --no-transfer-progress compile dependency:build-classpath "
            + "-Dmdep.outputFile=target/launch/classpath.PID -Dmdep.includeScope=runtime -Dmdep.pathSeparator=:";
    private static final String JSON = "[{\"name\":\"docker\"}]\n";

    @TempDir
    Path dir;
    private Path project;
    private Path calls;
    private Path jar;
    private String javaRun;
    private String javaPackages;
    private String probe;
    private String record;
    private String dump;
    private String mapped;

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
        String jvm = Files.readString(Path.of(".mvn", "jvm.config")).trim();
        javaRun = "java " + jvm + " -cp " + jar + ":target/classes dev.pgcluster.App";
        javaPackages = "java " + jvm + " -cp " + jar + ":target/classes com.pulumi.bootstrap.internal.Main packages";
        probe = "java " + jvm + " -Xshare:auto -Xlog:cds*=off -Xlog:cds*=warning:stderr -XX:DumpLoadedClassList=/dev/null -version";
        record = javaRun.replace(" -cp ", " -Xshare:auto -Xlog:cds*=off -Xlog:cds*=warning:stderr "
                + "-XX:DumpLoadedClassList=target/launch/classes.KEY.lst.PID -cp ");
        dump = "java " + jvm + " -Xshare:dump -XX:SharedClassListFile=target/launch/classes.KEY.lst "
                + "-XX:SharedArchiveFile=target/launch/cds.KEY.jsa.PID.PID -cp " + jar;
        mapped = javaRun.replace(" -cp ", " -XX:SharedArchiveFile=target/launch/cds.KEY.jsa -Xshare:auto -Xlog:cds*=off "
                + "-Xlog:cds*=warning:stderr -Xlog:cds=info:file=target/launch/cds.KEY.log.PID -cp ");
        // Maven: writes down its arguments; with the classpath goal compiles (the main class's file)
        // and writes the classpath, running $FAKE_DURING meanwhile; fails with $FAKE_COMPILE_FAILS.
        script(dir.resolve("bin/mvn"), """
                #!/bin/sh
                echo "mvn $*" >> "$CALLS"
                [ -n "${FAKE_COMPILE_FAILS:-}" ] && { echo "[ERROR] compilation failed" >&2; exit 1; }
                for a in "$@"; do
                    case $a in -Dmdep.outputFile=*)
                        mkdir -p target/classes/dev/pgcluster; : > target/classes/dev/pgcluster/App.class
                        [ -n "${FAKE_DURING:-}" ] && sh -c "$FAKE_DURING"
                        printf '%s' "$FAKE_JAR" > "${a#-Dmdep.outputFile=}" ;;
                    esac
                done
                exit 0
                """);
        // java: writes down its arguments; answers -version (failing with $FAKE_NO_CDS); writes a
        // class list where asked; dumps an archive (failing with $FAKE_DUMP_FAILS, halfway); answers the
        // packages question (running $FAKE_JAVA_DURING meanwhile); exits with $FAKE_STATUS.
        script(dir.resolve("jdk/bin/java"), """
                #!/bin/sh
                echo "java $*" >> "$CALLS"
                dump= archive=
                for a in "$@"; do
                    case $a in
                        -version) [ -z "${FAKE_NO_CDS:-}" ]; exit ;;
                        -XX:DumpLoadedClassList=*) echo java/lang/Object > "${a#*=}" ;;
                        -Xlog:cds=info:file=*) echo "[info][cds] Mapped static region #0" > "${a#*file=}" ;;
                        -XX:SharedArchiveFile=*) archive=${a#*=} ;;
                        -Xshare:dump) dump=yes ;;
                    esac
                done
                if [ -n "$dump" ]; then
                    [ -z "${FAKE_DUMP_FAILS:-}" ] || { echo cut > "$archive"; exit "$FAKE_DUMP_FAILS"; }
                    echo archive > "$archive"
                    exit 0
                fi
                case "$*" in *" packages")
                    [ -n "${FAKE_JAVA_DURING:-}" ] && FAKE_JAVA_DURING= sh -c "$FAKE_JAVA_DURING"
                    echo '[{"name":"docker"}]' ;;
                esac
                exit "${FAKE_STATUS:-0}"
                """);
    }

    @Test
    void theFirstRunBuildsWithMavenThenJavaRunsOnTheClasspathMavenWrote() throws Exception {
        var first = launch(PACKAGES, Map.of());
        assertEquals(0, first.status, first.output);
        assertEquals(JSON, first.output, "stdout holds the answer alone: Maven's output goes to stderr");
        assertEquals(List.of(BUILD, javaPackages), calls());

        var packages = launch(PACKAGES, Map.of());
        assertEquals(JSON, packages.output);
        assertEquals(List.of(), calls(), "the answer is kept until the next build");
        var run = launch(RUN, Map.of());
        assertEquals(0, run.status, run.output);
        assertEquals(List.of(javaRun), calls(), "the program starts with .mvn/jvm.config's options, the classpath Maven wrote "
                + "and pom.xml's main class, without Maven");
    }

    @Test
    void aChangedAddedOrRemovedInputAGoneClassOrAChangedOrGoneJarBuildsWithMavenAgain() throws Exception {
        launch(PACKAGES, Map.of());
        Path link = dir.resolve("elsewhere");
        for (Runnable change : List.<Runnable>of(
                () -> touch(project.resolve("src/main/java/App.java")),
                () -> touch(project.resolve("pom.xml")),
                () -> touch(project.resolve(".mvn/jvm.config")),
                () -> touch(project.resolve("monitoring/queries.yml")),
                () -> touch(project.resolve(SCRIPT)),
                () -> writeFile(project.resolve("init/b.sh")),
                () -> delete(project.resolve("init/b.sh")),
                () -> delete(project.resolve("target/classes/dev/pgcluster/App.class")),
                () -> touch(jar),
                () -> delete(jar),
                () -> {
                    // A symlinked input directory is followed: a change behind the link counts.
                    writeFile(link.resolve("c.sh"));
                    symlink(project.resolve("init/linked"), link);
                },
                () -> touch(link.resolve("c.sh")))) {
            calls();
            change.run();
            launch(RUN, Map.of());
            assertEquals(List.of(BUILD, javaRun), calls(), "after a change Maven builds, then the program runs");
            if (!Files.exists(jar)) {
                writeFile(jar);
                setOld(jar);
            }
            launch(PACKAGES, Map.of());
            assertEquals(List.of(javaPackages), calls(), "a build drops the kept packages answer");
            launch(RUN, Map.of());
            assertEquals(List.of(javaRun), calls(), "once built, the program starts without Maven");
        }
    }

    @Test
    void theUsersMavenrcIsReadAsMavenReadsItAndItsOptionsReachTheProgram() throws Exception {
        // A .mavenrc as people write them: an unset variable used, a command that fails.
        Files.writeString(write(dir.resolve("home/.mavenrc")), "MAVEN_OPTS=\"$MAVEN_OPTS -Dfrom.rc=1\"\nfalse\n");
        var run = launch(RUN, Map.of());
        assertEquals(0, run.status, run.output);
        assertEquals(List.of(BUILD, javaRun.replace(" -cp ", " -Dfrom.rc=1 -cp ")), calls());
        launch(RUN, Map.of("PG_CLUSTER_LAUNCH", "maven"));
        assertEquals(List.of("mvn " + String.join(" ", RUN)), calls());
    }

    @Test
    void aClasspathWithSpacesAndCarriageReturnsInJvmConfigStillStartWithoutMaven() throws Exception {
        Path spaced = dir.resolve("my repo").resolve("dep.jar");
        Files.createDirectories(spaced.getParent());
        Files.writeString(spaced, "jar");
        Files.writeString(project.resolve(".mvn/jvm.config"), "-Xmx64m\r\n-XX:+UseSerialGC\r\n");
        launch(RUN, Map.of("FAKE_JAR", spaced.toString()));
        calls();
        var run = launch(RUN, Map.of("FAKE_JAR", spaced.toString()));
        assertEquals(0, run.status, run.output);
        assertEquals(List.of("java -Xmx64m -XX:+UseSerialGC -cp " + spaced + ":target/classes dev.pgcluster.App"), calls());
        touch(spaced);
        launch(RUN, Map.of("FAKE_JAR", spaced.toString()));
        assertEquals(BUILD, calls().get(0), "a jar in a directory with a space is still watched");
    }

    @Test
    void editorsBackupAndSwapFilesAreNoChange() throws Exception {
        launch(RUN, Map.of());
        calls();
        for (String name : List.of("init/.a.sh.swp", "init/a.sh~", "src/main/java/.#App.java")) {
            writeFile(project.resolve(name));
            launch(RUN, Map.of());
            assertEquals(List.of(javaRun), calls(), name);
        }
    }

    @Test
    void anInputThatTheProjectDoesNotHaveIsNotAChange() throws Exception {
        delete(project.resolve("monitoring/queries.yml"));
        delete(project.resolve("monitoring"));
        launch(RUN, Map.of());
        calls();
        launch(RUN, Map.of());
        assertEquals(List.of(javaRun), calls(), "a project without monitoring/ starts without Maven once built");
    }

    @Test
    void aChangeWhileMavenBuildsIsBuiltAgainByTheNextRun() throws Exception {
        launch(RUN, Map.of("FAKE_DURING", "touch src/main/java/App.java"));
        calls();
        launch(RUN, Map.of());
        assertEquals(List.of(BUILD, javaRun), calls(), "an input modified during the build is newer than its stamp");
        touch(project.resolve("src/main/java/App.java"));
        launch(RUN, Map.of("FAKE_DURING", "echo new > init/new.sh"));
        assertEquals(List.of(BUILD, javaRun), calls());
        calls();
        launch(RUN, Map.of());
        assertEquals(List.of(BUILD, javaRun), calls(), "an input added during the build leaves no stamp");
    }

    @Test
    void aPackagesAnswerComputedBesideANewerBuildIsNotKeptForIt() throws Exception {
        launch(RUN, Map.of());
        calls();
        // While java answers for the build it started from, another run rebuilds after a change.
        String rebuild = "touch -d '-60 seconds' target/launch/stamp && touch -d '-30 seconds' src/main/java/App.java && "
                + project.resolve(SCRIPT) + " compile exec:java";
        assertEquals(JSON, launch(PACKAGES, Map.of("FAKE_JAVA_DURING", rebuild)).output);
        calls();
        launch(PACKAGES, Map.of());
        List<String> seen = calls();
        assertTrue(seen.contains(javaPackages), "the newer build's packages are asked again, not taken from the older one: " + seen);
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
        for (Map<String, String> env : List.of(Map.of("PG_CLUSTER_LAUNCH", "maven"), Map.of("MAVEN_ARGS", "-Pother"))) {
            calls();
            launch(RUN, env);
            assertEquals(List.of("mvn " + String.join(" ", RUN)), calls(), env + " runs Maven as is");
        }
        Files.writeString(project.resolve(".mvn/maven.config"), "-Pother");
        calls();
        launch(RUN, Map.of());
        assertEquals(List.of("mvn " + String.join(" ", RUN)), calls(), ".mvn/maven.config may change the build: Maven as is");
    }

    @Test
    void theRealMavenIsFoundOnPathPastALinkToTheScriptItself() throws Exception {
        Path links = dir.resolve("links");
        Files.createDirectories(links);
        Files.createSymbolicLink(links.resolve("mvn"), project.resolve(SCRIPT));
        var result = launch(RUN, Map.of("PATH", links + ":" + dir.resolve("bin") + ":/usr/bin:/bin"));
        assertEquals(0, result.status, result.output);
        assertEquals(List.of(BUILD, javaRun), calls());
    }

    @Test
    void aFailedBuildIsNeverSkippedAndTheProgramsOwnExitStatusComesThrough() throws Exception {
        var failed = launch(RUN, Map.of("FAKE_COMPILE_FAILS", "yes"));
        assertEquals(1, failed.status);
        assertTrue(failed.output.contains("compilation failed"), failed.output);
        assertEquals(List.of(BUILD), calls(), "no program after a failed build");
        var refused = launch(RUN, Map.of("FAKE_STATUS", "32"));
        assertEquals(32, refused.status, "the program's status (a refused config value)");
        assertEquals(List.of(BUILD, javaRun), calls(), "a failed build leaves nothing that skips Maven");
        var again = launch(RUN, Map.of("FAKE_STATUS", "32"));
        assertEquals(32, again.status);
        assertEquals(List.of(javaRun), calls(), "a program that failed was still built: no Maven");
        var noAnswer = launch(PACKAGES, Map.of("FAKE_STATUS", "1"));
        assertEquals(1, noAnswer.status);
        calls();
        assertEquals(JSON, launch(PACKAGES, Map.of()).output);
        assertEquals(List.of(javaPackages), calls(), "a failed packages answer is not kept");
    }

    private static final Map<String, String> CDS = Map.of("PG_CLUSTER_CDS", "on");
    /** The start of a minute a day ago: times within it look the same to ls, and are older than any build here. */
    private static final Instant MINUTE = Instant.now().minusSeconds(86_400).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);

    @Test
    void theFirstRunRecordsItsClassesTheNextDumpsTheArchiveAndLaterOnesMapIt() throws Exception {
        setTime(jar, 5);
        var first = launch(RUN, CDS);
        assertEquals(0, first.status, first.output);
        assertEquals(List.of(BUILD, probe, record), calls(), "the JVM is asked once whether it takes the options");
        var second = launch(RUN, CDS);
        assertEquals(0, second.status, second.output);
        assertEquals(List.of(dump, mapped), calls(), "the recorded list (its process gone) is dumped from the jars alone");
        assertEquals(1, archives().size(), archives().toString());
        launch(RUN, CDS);
        assertEquals(List.of(mapped), calls());
        launch(PACKAGES, CDS);
        assertEquals(List.of(javaPackages), calls(), "the packages answer is java's own");

        // The program's own classes are not in the archive: a build keeps it.
        touch(project.resolve("src/main/java/App.java"));
        launch(RUN, CDS);
        assertEquals(List.of(BUILD, mapped), calls());
        // A jar modified after the archive was written, within the minute ls shows: stale, dumped again.
        setTime(project.resolve("target/launch/" + archives().get(0)), 2);
        setTime(jar, 8);
        launch(RUN, CDS);
        assertEquals(List.of(dump, mapped), calls());
        // An archive whose size is not the one written: never given to the JVM (a cut one crashes it).
        Files.writeString(project.resolve("target/launch/" + archives().get(0)), "x", java.nio.file.StandardOpenOption.APPEND);
        launch(RUN, CDS);
        assertEquals(List.of(record), calls());
        launch(RUN, CDS);
        assertEquals(List.of(dump, mapped), calls());
        // Another jar (or JVM, or option, or classpath) is another key: its own list, then its archive; the old one goes.
        List<String> before = archives();
        Files.writeString(jar, "another jar");
        touch(jar);
        launch(RUN, CDS);
        assertEquals(List.of(BUILD, probe, record), calls());
        launch(RUN, CDS);
        assertEquals(List.of(dump, mapped), calls());
        assertEquals(1, archives().size(), archives().toString());
        assertTrue(!archives().equals(before), before + " then " + archives());
        var opts = Map.of("PG_CLUSTER_CDS", "on", "MAVEN_OPTS", "-Xmx1g");
        launch(RUN, opts);
        assertEquals(List.of(probe, record.replace(" -Xshare:auto", " -Xmx1g -Xshare:auto")), calls(), "MAVEN_OPTS is part of the key");
        launch(RUN, opts);
        assertEquals(List.of(dump.replace(" -Xshare:dump", " -Xmx1g -Xshare:dump"),
                mapped.replace(" -XX:SharedArchiveFile", " -Xmx1g -XX:SharedArchiveFile")), calls(), "and reaches the dump as the program");
        // The user's own class-sharing options: none of the script's.
        launch(RUN, Map.of("PG_CLUSTER_CDS", "on", "MAVEN_OPTS", "-Xshare:off"));
        assertEquals(List.of(javaRun.replace(" -cp ", " -Xshare:off -cp ")), calls());
        // An archive the JVM refused (its log says so) goes, and is not made again for that key.
        launch(RUN, CDS);
        launch(RUN, CDS);
        assertEquals(List.of(probe, record, dump, mapped), calls(), "each key its own files: the other key's went with its dump");
        assertEquals(1, archives().size(), archives().toString());
        String key = archives().get(0).replace(".jsa", "");
        // (The mapped runs above logged too, and their logs were no refusal: it mapped every time.)
        Files.writeString(project.resolve("target/launch/" + key + ".log.99999999"),
                "[info][cds] UseSharedSpaces: Unable to map shared spaces\n");
        launch(RUN, CDS);
        assertEquals(List.of(javaRun), calls());
        assertEquals(List.of(), archives());
        launch(RUN, Map.of());
        assertEquals(List.of(javaRun), calls(), "PG_CLUSTER_CDS=off");
    }

    @Test
    void aListStillBeingWrittenAFailedDumpAndAJvmWithoutTheOptionsLeaveThePlainStart() throws Exception {
        setTime(jar, 5);
        launch(RUN, CDS);
        assertEquals(List.of(BUILD, probe, record), calls());
        // A list of a run that still goes on (this test's own process) is not complete yet.
        Path recorded;
        try (var files = Files.list(project.resolve("target/launch"))) {
            recorded = files.filter(f -> f.getFileName().toString().matches("classes\\..*\\.lst\\.\\d+")).findFirst().orElseThrow();
        }
        String name = recorded.getFileName().toString();
        Files.move(recorded, recorded.resolveSibling(name.substring(0, name.lastIndexOf('.') + 1) + ProcessHandle.current().pid()));
        launch(RUN, CDS);
        assertEquals(List.of(record), calls());
        // A dump JVM that crashes or is killed (137: the OOM killer) is a failed dump like any other.
        launch(RUN, Map.of("PG_CLUSTER_CDS", "on", "FAKE_DUMP_FAILS", "137"));
        assertEquals(List.of(dump, javaRun), calls(), "a failed dump: the program starts as without");
        assertEquals(List.of(), archives(), "no archive, not even a cut one");
        launch(RUN, CDS);
        assertEquals(List.of(javaRun), calls(), "a failed dump is not tried again for that key");
        // Unless a jar was modified since: its list may have been what failed, so it records anew.
        try (var files = Files.list(project.resolve("target/launch"))) {
            files.filter(f -> f.getFileName().toString().endsWith(".failed")).forEach(f -> setTime(f, 2));
        }
        setTime(jar, 8);
        launch(RUN, CDS);
        assertEquals(List.of(record), calls());
        launch(RUN, CDS);
        assertEquals(List.of(dump, mapped), calls());

        var other = Map.of("PG_CLUSTER_CDS", "on", "FAKE_NO_CDS", "yes", "MAVEN_OPTS", "-Xmx2g");
        launch(RUN, other);
        String plain = javaRun.replace(" -cp ", " -Xmx2g -cp ");
        assertEquals(List.of(probe, plain), calls(), "a JVM that refuses the options gets none");
        launch(RUN, other);
        assertEquals(List.of(plain), calls(), "and is asked once per key");
    }

    /** Modified SECONDS into {@link #MINUTE}. */
    private static void setTime(Path file, int seconds) {
        unchecked(() -> Files.setLastModifiedTime(file, FileTime.from(MINUTE.plusSeconds(seconds))));
    }

    /** Only jars are archived: the program's classes come after them, which must not change what loads. */
    @Test
    void noClassOrResourceOfTheProgramIsAlsoInAJarOfItsClasspath() throws Exception {
        var own = new java.util.TreeSet<String>();
        Path classes = Path.of("target", "classes");
        try (var files = Files.walk(classes)) {
            files.filter(Files::isRegularFile).forEach(f -> own.add(classes.relativize(f).toString().replace('\\', '/')));
        }
        assertTrue(own.contains("dev/pgcluster/App.class"), own.toString());
        int jars = 0;
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (!entry.endsWith(".jar")) {
                continue;
            }
            jars++;
            try (var zip = new java.util.zip.ZipFile(entry)) {
                var both = zip.stream().map(java.util.zip.ZipEntry::getName).filter(own::contains).toList();
                assertEquals(List.of(), both, entry);
            }
        }
        assertTrue(jars > 10, "the test's classpath holds the program's jars: " + jars);
    }

    private List<String> archives() throws IOException {
        try (var files = Files.list(project.resolve("target/launch"))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.matches(".*\\.jsa(\\.\\d+)*")).sorted().toList();
        }
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
        // What would make java's start differ from Maven's build and exec:java, which the script does not read.
        assertEquals(0, pom.getElementsByTagName("profiles").getLength(), "no profile may change the build");
        NodeList filtering = pom.getElementsByTagName("filtering");
        for (int i = 0; i < filtering.getLength(); i++) {
            assertEquals("false", filtering.item(i).getTextContent().trim(), "resources are copied, not filtered");
        }
        String text = Files.readString(Path.of("pom.xml"));
        assertTrue(text.contains("<mainClass>${mainClass}</mainClass>") && text.contains("<commandlineArgs>${mainArgs}</commandlineArgs>"),
                "exec:java runs the mainClass property with the mainArgs property");
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
        env.keySet().removeIf(k -> k.startsWith("MAVEN_") || k.startsWith("PG_CLUSTER_") || k.startsWith("JAVA_TOOL"));
        // The class-data archive has tests of its own; elsewhere java's options are the launcher's others.
        env.put("PG_CLUSTER_CDS", "off");
        env.put("HOME", dir.resolve("home").toString());
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
        List<String> lines = Files.readAllLines(calls).stream()
                .map(l -> l.replaceAll("(cds|classes)\\.\\d+-\\d+\\.", "$1.KEY.").replaceAll("\\.\\d+\\b", ".PID")).toList();
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

    /** Modified after the last build: its stamp and classpath are moved a minute back, the file half a minute. */
    private void touch(Path file) {
        Instant now = Instant.now();
        unchecked(() -> {
            Files.setLastModifiedTime(project.resolve("target/launch/stamp"), FileTime.from(now.minusSeconds(60)));
            Files.setLastModifiedTime(project.resolve("target/launch/classpath"), FileTime.from(now.minusSeconds(60)));
            Files.setLastModifiedTime(file, FileTime.from(now.minusSeconds(30)));
        });
    }

    private static void setOld(Path file) {
        unchecked(() -> Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(3600))));
    }

    private static void symlink(Path link, Path target) {
        unchecked(() -> Files.createSymbolicLink(link, target));
    }

    private static void writeFile(Path file) {
        unchecked(() -> Files.writeString(write(file), "x"));
    }

    private static void delete(Path file) {
        unchecked(() -> Files.delete(file));
    }

    private interface IoAction {
        void run() throws IOException;
    }

    /** For the changes passed around as Runnables. */
    private static void unchecked(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
