package dev.pgcluster.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Small pure parsers for config values. Each returns the parsed value or throws
 * {@link InvalidValue} naming the key, the value and what is allowed.
 */
public final class Validators {
    private Validators() {
    }

    private static final Pattern WHOLE_NUMBER = Pattern.compile("-?\\d{1,9}");

    public static int integer(String key, String raw, int min, int max) {
        String value = raw.trim();
        if (!WHOLE_NUMBER.matcher(value).matches()) {
            throw new InvalidValue(key, raw, "a whole number from " + min + " to " + max);
        }
        int parsed = Integer.parseInt(value);
        if (parsed < min || parsed > max) {
            throw new InvalidValue(key, raw, "a whole number from " + min + " to " + max);
        }
        return parsed;
    }

    /** etcd members: an odd number from 3 (one may fail) to 7. */
    public static int dcsMembers(String key, String raw) {
        String value = raw.trim();
        if (!value.equals("3") && !value.equals("5") && !value.equals("7")) {
            throw new InvalidValue(key, raw, "3, 5 or 7 (an odd number of etcd members, at least 3 so that one may fail)");
        }
        return Integer.parseInt(value);
    }

    /** Only {@code true} or {@code false}: Pulumi's getBoolean would read a typo as false. */
    public static boolean bool(String key, String raw) {
        return switch (raw.trim()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new InvalidValue(key, raw, "true or false");
        };
    }

    /** One of the stack's node names, {@code pg0} … {@code pg<nodes-1>}. */
    public static String nodeName(String key, String raw, int nodes) {
        var names = new ArrayList<String>();
        for (int i = 0; i < nodes; i++) {
            names.add("pg" + i);
        }
        String value = raw.trim();
        if (!names.contains(value)) {
            throw new InvalidValue(key, raw, "a node of this stack: " + String.join(", ", names)
                    + " (pg0 plus one per replica; raise " + key.replace(":primary", ":replicas") + " to add nodes)");
        }
        return value;
    }

    public static int port(String key, String raw) {
        return integer(key, raw, 1, 65535);
    }

    /** A JSON list of ports, e.g. {@code [5433, 5434]}. */
    public static List<Integer> portList(String key, String raw) {
        String value = raw.trim();
        if (!value.startsWith("[") || !value.endsWith("]")) {
            throw new InvalidValue(key, raw, "a list of ports from 1 to 65535, e.g. [5433, 5434]");
        }
        String body = value.substring(1, value.length() - 1).trim();
        List<Integer> ports = new ArrayList<>();
        if (body.isEmpty()) {
            return ports;
        }
        for (String item : body.split(",", -1)) {
            String port = item.trim();
            if (!WHOLE_NUMBER.matcher(port).matches()
                    || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
                throw new InvalidValue(key, raw, "a list of ports from 1 to 65535, e.g. [5433, 5434]");
            }
            ports.add(Integer.parseInt(port));
        }
        return ports;
    }

    /** A JSON list of distinct generations from 1 to 1000000, at most 3, e.g. {@code [1, 2]}. */
    public static List<Integer> generationList(String key, String raw) {
        String allowed = "a list of one to three different whole numbers from 1 to 1000000, e.g. [1, 2]";
        String value = raw.trim();
        if (!value.startsWith("[") || !value.endsWith("]")) {
            throw new InvalidValue(key, raw, allowed);
        }
        var generations = new ArrayList<Integer>();
        for (String item : value.substring(1, value.length() - 1).split(",", -1)) {
            String number = item.trim();
            if (!WHOLE_NUMBER.matcher(number).matches() || Integer.parseInt(number) < 1
                    || Integer.parseInt(number) > 1_000_000 || generations.contains(Integer.parseInt(number))) {
                throw new InvalidValue(key, raw, allowed);
            }
            generations.add(Integer.parseInt(number));
        }
        if (generations.size() > 3) {
            throw new InvalidValue(key, raw, allowed);
        }
        return generations;
    }

    // [registry[:port]/]path[:tag][@sha256:digest], following the Docker reference grammar.
    private static final Pattern IMAGE_REFERENCE = Pattern.compile(
            "^(?:(?<domain>(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::\\d+)?)/)?"
                    + "(?<path>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
                    + "(?::(?<tag>[\\w][\\w.-]{0,127}))?"
                    + "(?:@(?<digest>sha256:[a-f0-9]{64}))?$");

    /**
     * An image reference pinned to a version: a digest, or a tag that names a version. A bare name
     * or {@code latest} would silently move the cluster to a new major on the next pull.
     */
    public static String imageReference(String key, String raw) {
        String value = raw.trim();
        String allowed = "a pinned image reference: name:tag with a version tag (e.g. postgres:17.6) "
                + "or name@sha256:<digest>; not a bare name and not :latest";
        Matcher m = IMAGE_REFERENCE.matcher(value);
        if (!m.matches()) {
            throw new InvalidValue(key, raw, allowed);
        }
        String tag = m.group("tag");
        String digest = m.group("digest");
        if (digest != null) {
            return value;
        }
        if (tag == null || tag.equalsIgnoreCase("latest") || !tag.matches(".*\\d.*")) {
            throw new InvalidValue(key, raw, allowed);
        }
        return value;
    }

    private static final Pattern IPV4 = Pattern.compile(
            "^(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}$");

    /** Whether {@code value} is a dotted IPv4 address. */
    public static boolean isIpv4Address(String value) {
        return IPV4.matcher(value).matches();
    }

    public static String ipv4Address(String key, String raw) {
        String value = raw.trim();
        if (!isIpv4Address(value)) {
            throw new InvalidValue(key, raw, "an IPv4 address such as 127.0.0.1 (0.0.0.0 publishes on all interfaces)");
        }
        return value;
    }

    /**
     * A private IPv4 network with room for every node. Docker refuses overlapping subnets, so two
     * stacks on one host need different values.
     */
    public static Ipv4Subnet subnet(String key, String raw, int nodes) {
        String value = raw.trim();
        String allowed = "a private IPv4 network in CIDR form (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 ranges), "
                + "prefix /16 to /28, host bits zero, with room for " + nodes + " nodes (e.g. 10.89.0.0/24)";
        String[] parts = value.split("/", -1);
        if (parts.length != 2 || !IPV4.matcher(parts[0]).matches() || !parts[1].matches("\\d{1,2}")) {
            throw new InvalidValue(key, raw, allowed);
        }
        int prefix = Integer.parseInt(parts[1]);
        if (prefix < 16 || prefix > 28) {
            throw new InvalidValue(key, raw, allowed);
        }
        int address = 0;
        for (String octet : parts[0].split("\\.")) {
            address = (address << 8) | Integer.parseInt(octet);
        }
        int mask = (int) (0xffffffffL << (32 - prefix));
        if ((address & ~mask) != 0 || !isPrivate(address, prefix)) {
            throw new InvalidValue(key, raw, allowed);
        }
        Ipv4Subnet subnet = new Ipv4Subnet(address, prefix);
        if (subnet.containerAddresses() < nodes) {
            throw new InvalidValue(key, raw, allowed);
        }
        return subnet;
    }

    private static boolean isPrivate(int address, int prefix) {
        int first = (address >>> 24) & 0xff;
        int second = (address >>> 16) & 0xff;
        return (first == 10 && prefix >= 8)
                || (first == 172 && second >= 16 && second <= 31 && prefix >= 12)
                || (first == 192 && second == 168 && prefix >= 16);
    }

    private static final Pattern PG_SIZE = Pattern.compile("^(\\d{1,7})(kB|MB|GB|TB)$");

    /**
     * A PostgreSQL size for WAL retention. Units are case-sensitive in PostgreSQL, so they are
     * here too; {@code -1} (unbounded) is never accepted.
     */
    public static String walSize(String key, String raw) {
        String value = raw.trim();
        Matcher m = PG_SIZE.matcher(value);
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new InvalidValue(key, raw, "a positive PostgreSQL size with unit kB, MB, GB or TB (e.g. 1GB); "
                    + "-1 (unbounded) is not allowed");
        }
        return value;
    }

    /** A PostgreSQL size (kB, MB, GB, TB), in bytes. */
    /** {@code off} (0), or a positive size in bytes as {@link #walSizeBytes} reads it. */
    public static long sizeOrOff(String key, String raw) {
        if (raw.trim().equals("off")) {
            return 0;
        }
        try {
            return walSizeBytes(key, raw);
        } catch (InvalidValue e) {
            throw new InvalidValue(key, raw, "off, or a positive size with unit kB, MB, GB or TB (e.g. 64MB)");
        }
    }

    public static long walSizeBytes(String key, String raw) {
        String value = raw.trim();
        Matcher m = PG_SIZE.matcher(value);
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new InvalidValue(key, raw, "a positive size with unit kB, MB, GB or TB (e.g. 64MB)");
        }
        int shift = switch (m.group(2)) {
            case "kB" -> 10;
            case "MB" -> 20;
            case "GB" -> 30;
            default -> 40;
        };
        return Long.parseLong(m.group(1)) << shift;
    }

    private static final Pattern MEMORY = Pattern.compile("^(\\d{1,7})([mMgG])?$");

    /** A memory size in MiB ({@code 512}, {@code 512m}) or GiB ({@code 2g}), at least {@code min} MiB. */
    public static int memoryMb(String key, String raw, int min) {
        String value = raw.trim();
        Matcher m = MEMORY.matcher(value);
        String allowed = "a size of at least " + min + " MiB: a number of MiB, or with unit m or g (e.g. 512m, 2g)";
        if (!m.matches()) {
            throw new InvalidValue(key, raw, allowed);
        }
        long mb = Long.parseLong(m.group(1));
        if (m.group(2) != null && m.group(2).equalsIgnoreCase("g")) {
            mb *= 1024;
        }
        if (mb < min || mb > Integer.MAX_VALUE) {
            throw new InvalidValue(key, raw, allowed);
        }
        return (int) mb;
    }

    private static final Pattern SYNC = Pattern.compile("^(?i)(first|any)\\s+(\\d{1,3})$");
    private static final List<String> COMMIT_LEVELS = List.of("on", "remote_apply", "remote_write", "local", "off");

    /** {@code off}, {@code first <n>} or {@code any <n>}; n is checked against the replicas by the reader. */
    public static SyncReplication sync(String key, String raw, String commitKey, String commitRaw) {
        String value = raw.trim();
        String commit = commitRaw.trim();
        if (!COMMIT_LEVELS.contains(commit)) {
            throw new InvalidValue(commitKey, commitRaw, "one of " + String.join(", ", COMMIT_LEVELS));
        }
        if (value.equalsIgnoreCase("off")) {
            return new SyncReplication(SyncReplication.Method.OFF, 0, commit);
        }
        Matcher m = SYNC.matcher(value);
        if (!m.matches() || Integer.parseInt(m.group(2)) < 1) {
            throw new InvalidValue(key, raw, "off, \"first <n>\" or \"any <n>\" with n at least 1 (e.g. any 1)");
        }
        return new SyncReplication(
                SyncReplication.Method.valueOf(m.group(1).toUpperCase(Locale.ROOT)),
                Integer.parseInt(m.group(2)),
                commit);
    }

    private static final Pattern IDENTIFIER = Pattern.compile("^[a-z_][a-z0-9_]{0,62}$");

    /** A lower-case SQL identifier that needs no quoting. */
    public static String identifier(String key, String raw, List<String> reserved) {
        String value = raw.trim();
        if (!IDENTIFIER.matcher(value).matches() || value.startsWith("pg_") || reserved.contains(value)) {
            String also = reserved.isEmpty() ? "" : ", not " + String.join(" or ", reserved);
            throw new InvalidValue(key, raw,
                    "a lower-case identifier of letters, digits and _ (at most 63, not starting with a digit or pg_" + also + ")");
        }
        return value;
    }

    /**
     * Names a role may not have: those PostgreSQL reserves for roles ({@code public}, {@code none}),
     * the words pg_hba.conf reads as keywords in its user column, and PostgreSQL's reserved SQL
     * key words (PostgreSQL 17, appendix "SQL Key Words"), which name something else wherever a
     * role name is not quoted. The policy pack keeps the same list (policies/lib/roles.ts).
     */
    public static final List<String> RESERVED_ROLE_NAMES = List.of(
            "public", "none", "samerole", "samegroup",
            "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast",
            "check", "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role",
            "current_time", "current_timestamp", "current_user", "default", "deferrable", "desc", "distinct", "do",
            "else", "end", "except", "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in",
            "initially", "intersect", "into", "lateral", "leading", "limit", "localtime", "localtimestamp", "not",
            "null", "offset", "on", "only", "or", "order", "placing", "primary", "references", "returning", "select",
            "session_user", "some", "symmetric", "system_user", "table", "then", "to", "trailing", "true", "union",
            "unique", "user", "using", "variadic", "when", "where", "window", "with");

    /**
     * A role name: a lower-case identifier that needs no quoting and that PostgreSQL does not
     * reserve; {@code others} are the cluster's other roles' names, which it may not take either.
     */
    public static String roleName(String key, String raw, List<String> others) {
        String value = identifier(key, raw, others);
        if (RESERVED_ROLE_NAMES.contains(value)) {
            throw new InvalidValue(key, raw, "a role name PostgreSQL does not reserve (not public, none, samerole, "
                    + "samegroup or an SQL key word such as all, user, current_user or session_user)");
        }
        return value;
    }

    private static final Pattern DOCKER_HOST = Pattern.compile("^(unix|tcp|ssh|npipe)://\\S+$");
    // tcp://host[:port][/]; host is a name, a dotted IPv4 address or a bracketed IPv6 address.
    private static final Pattern TCP_HOST = Pattern.compile("^tcp://(?<host>\\[[0-9a-fA-F:.]+]|[^:/\\[\\]@]+)(?::\\d{1,5})?/?$");

    /**
     * A Docker host URL the program may hand its secrets to. Plain {@code tcp://} is accepted on a
     * loopback address only: whoever reaches a Docker engine's API is root on its host, and the
     * engine receives every password and the CA's key (on the steps' stdin) unencrypted.
     */
    public static String dockerHost(String key, String raw) {
        String value = raw.trim();
        Matcher tcp = TCP_HOST.matcher(value);
        if (!DOCKER_HOST.matcher(value).matches()
                || (value.startsWith("tcp://") && !(tcp.matches() && isLoopback(tcp.group("host"))))) {
            throw new InvalidValue(key, raw, "a Docker host URL: unix://…, npipe://…, ssh://user@host, or tcp:// on a "
                    + "loopback address (127.0.0.0/8, localhost, [::1]); a remote Docker engine over plain tcp:// gives "
                    + "root on that host and carries every secret in clear: use ssh:// (or tcp:// with TLS: a host of "
                    + "dockerHosts with certPath)");
        }
        return value;
    }

    private static boolean isLoopback(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        return name.equals("localhost") || name.equals("[::1]") || (isIpv4Address(name) && name.startsWith("127."));
    }

    public static DeploymentEnvironment environment(String key, String raw) {
        return DeploymentEnvironment.fromConfigValue(raw.trim()).orElseThrow(() ->
                new InvalidValue(key, raw, "development, staging or production"));
    }

    private static final Pattern DOCKER_NAME_PREFIX = Pattern.compile("^[a-z0-9][a-z0-9-]{0,40}$");

    /** {@code <project>-<stack>}, lower-cased, as the prefix of every Docker object's name. */
    public static String namePrefix(String project, String stack) {
        String prefix = (project + "-" + stack).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
        if (!DOCKER_NAME_PREFIX.matcher(prefix).matches()) {
            throw new InvalidValue("project and stack name", project + "-" + stack,
                    "together at most 41 characters that start with a letter or digit");
        }
        return prefix;
    }

    /** Every port once, so that no two nodes ask Docker for the same host port. */
    public static void distinctPorts(String key, String raw, String primaryKey, int primaryPort, List<Integer> replicaPorts) {
        var seen = new HashSet<Integer>();
        seen.add(primaryPort);
        for (int port : replicaPorts) {
            if (!seen.add(port)) {
                throw new InvalidValue(key, raw,
                        "ports that differ from each other and from " + primaryKey + " (" + port + " is used twice)");
            }
        }
    }

    /**
     * A password from secret config. The message never repeats the value. A newline would end the
     * value early where it is read as a line (stdin of the base backup).
     */
    public static String password(String key, String raw) {
        if (raw.length() < 12 || raw.length() > 1024) {
            throw InvalidValue.withoutValue(key, "must be 12 to 1024 characters long");
        }
        if (raw.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
            throw InvalidValue.withoutValue(key, "must not contain control characters such as newlines");
        }
        return raw;
    }
    private static final Pattern DNS_NAME = Pattern.compile(
            "^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$");

    /**
     * {@code backupS3Endpoint}: {@code host} or {@code host:port}, a DNS name or an IPv4 address;
     * no scheme (pgBackRest speaks only HTTPS to S3).
     *
     * @return the host and the port (443 when none is named)
     */
    public static Map.Entry<String, Integer> s3Endpoint(String key, String raw) {
        String value = raw.trim().toLowerCase(Locale.ROOT);
        // A pasted URL may carry credentials (https://KEY:SECRET@host): never repeated.
        // Up to the last @: a secret key may hold / and @ itself.
        String shown = raw.replaceAll("^([A-Za-z][A-Za-z0-9+.-]*://)?.*@", "$1…@");
        String allowed = "a host name or IPv4 address, optionally with :port (s3.eu-west-1.amazonaws.com, "
                + "minio.internal:9000), without https:// (pgBackRest reaches S3 only over HTTPS, with the certificate verified)";
        String host = value;
        int port = S3Settings.DEFAULT_PORT;
        int colon = value.lastIndexOf(':');
        if (colon >= 0) {
            host = value.substring(0, colon);
            String digits = value.substring(colon + 1);
            if (!digits.matches("[0-9]{1,5}") || Integer.parseInt(digits) < 1 || Integer.parseInt(digits) > 65535) {
                throw new InvalidValue(key, shown, allowed);
            }
            port = Integer.parseInt(digits);
        }
        if (!(isIpv4Address(host) || (DNS_NAME.matcher(host).matches() && !host.matches("[0-9.]+")))) {
            throw new InvalidValue(key, shown, allowed);
        }
        return Map.entry(host, port);
    }

    private static final Pattern S3_BUCKET = Pattern.compile("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$");

    /** {@code backupS3Bucket}: S3's bucket naming rules. */
    public static String s3Bucket(String key, String raw) {
        String value = raw.trim();
        if (!S3_BUCKET.matcher(value).matches() || value.contains("..") || isIpv4Address(value)) {
            throw new InvalidValue(key, raw, "an S3 bucket name: 3 to 63 lower case letters, digits, dots and hyphens, "
                    + "beginning and ending with a letter or digit");
        }
        return value;
    }

    /** {@code backupS3Region}. */
    public static String s3Region(String key, String raw) {
        String value = raw.trim();
        if (!value.matches("[a-z0-9][a-z0-9-]{0,62}")) {
            throw new InvalidValue(key, raw, "a region name such as us-east-1: lower case letters, digits and hyphens");
        }
        return value;
    }

    /** {@code backupS3UriStyle}. */
    public static String s3UriStyle(String key, String raw) {
        String value = raw.trim();
        if (!value.equals("host") && !value.equals("path")) {
            throw new InvalidValue(key, raw, "host (https://<bucket>.<endpoint>/, what AWS S3 wants) or path "
                    + "(https://<endpoint>/<bucket>/, what most S3-compatible servers and an IP address endpoint need)");
        }
        return value;
    }

    /** {@code backupS3Path}: the repository's path in the bucket. */
    public static String s3Path(String key, String raw) {
        String value = raw.trim();
        if (!value.matches("/[A-Za-z0-9._/-]{0,200}") || value.contains("//") || value.matches(".*(^|/)\\.\\.?(/.*|$)")
                || (value.length() > 1 && value.endsWith("/"))) {
            throw new InvalidValue(key, raw, "an absolute path in the bucket such as /pgbackrest: letters, digits, "
                    + "'.', '_', '-' and '/', no empty, . or .. parts, no trailing /");
        }
        return value;
    }

    /** {@code backupS3CaCertificate}: PEM certificates (one or more), nothing else. */
    public static String pemCertificates(String key, String raw) {
        String value = raw.strip();
        String shown = value.length() > 40 ? value.substring(0, 40) + "…" : value;
        if (!value.startsWith("-----BEGIN CERTIFICATE-----") || !value.endsWith("-----END CERTIFICATE-----")
                || value.contains("PRIVATE KEY") || value.length() > 65536) {
            throw new InvalidValue(key, shown, "PEM certificates (-----BEGIN CERTIFICATE----- … -----END "
                    + "CERTIFICATE-----) of the CA that signed the store's certificate; no key");
        }
        return value;
    }

    /** An S3 access key ID or secret key from secret config. The message never repeats the value. */
    public static String s3Credential(String key, String raw) {
        if (raw.isEmpty() || raw.length() > 1024) {
            throw InvalidValue.withoutValue(key, "must be 1 to 1024 characters long");
        }
        if (raw.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
            throw InvalidValue.withoutValue(key, "must not contain spaces or control characters such as newlines");
        }
        return raw;
    }
}
