package dev.pgcluster.config;

import java.util.Objects;
import java.util.Optional;

/**
 * The roles clients log in as, besides the superuser and the replication role.
 *
 * @param appUser            owns the application database: LOGIN, no SUPERUSER, CREATEDB,
 *                           CREATEROLE, REPLICATION or BYPASSRLS; the exported connection strings use it
 * @param appPassword        from secret config, or empty to generate one
 * @param monitoringUser     LOGIN and member of pg_monitor, nothing else
 * @param monitoringPassword from secret config, or empty to generate one
 */
public record ClientRoles(String appUser, Optional<Secret> appPassword, String monitoringUser,
                          Optional<Secret> monitoringPassword) {
    public ClientRoles {
        Objects.requireNonNull(appUser);
        Objects.requireNonNull(appPassword);
        Objects.requireNonNull(monitoringUser);
        Objects.requireNonNull(monitoringPassword);
    }

    /** The application role's default: the database's name with {@code _app}, within 63 characters. */
    public static String defaultAppUser(String database) {
        if (database == null) {
            return "app";
        }
        return (database.length() > 59 ? database.substring(0, 59) : database) + "_app";
    }

    public static final String DEFAULT_MONITORING_USER = "monitoring";
}
