package dev.pgcluster.config;

/** One bad config value; {@link ConfigReader} collects these into a {@link ConfigException}. */
public class InvalidValue extends RuntimeException {
    public InvalidValue(String key, String value, String allowed) {
        super(key + " = \"" + value + "\" is not allowed: " + allowed);
    }

    /** For secrets: the message must not repeat the value. */
    public static InvalidValue withoutValue(String key, String problem) {
        return new InvalidValue(key, problem);
    }

    private InvalidValue(String key, String problem) {
        super(key + ": " + problem);
    }
}
