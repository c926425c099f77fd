package io.cdcfanout.service.config;

import io.cdcfanout.sink.Secret;
import io.cdcfanout.sink.SourceDatabase;
import java.util.Properties;

/**
 * Connection to the captured Postgres.
 *
 * @param sslMode     pgjdbc/libpq ssl mode: disable, prefer, require, verify-ca, verify-full (default prefer)
 * @param sslRootCert path of the CA certificate for verify-ca / verify-full
 */
public record PostgresConfig(
        String host, Integer port, String database, String user, Secret password, String sslMode, String sslRootCert) {

    private static final java.util.Set<String> SSL_MODES =
            java.util.Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

    public PostgresConfig {
        host = Validation.requireText(host, "source.postgres.host");
        port = Validation.port(port, 5432, "source.postgres.port");
        database = Validation.requireText(database, "source.postgres.database");
        user = Validation.requireText(user, "source.postgres.user");
        password = password == null ? Secret.NONE : password;
        sslMode = sslMode == null ? "prefer" : sslMode;
        if (!SSL_MODES.contains(sslMode)) {
            throw new IllegalArgumentException(
                    "'source.postgres.ssl-mode' must be one of " + SSL_MODES + ", not '" + sslMode + "'");
        }
        if (sslMode.startsWith("verify") && sslRootCert == null) {
            throw new IllegalArgumentException(
                    "'source.postgres.ssl-mode: " + sslMode + "' needs 'ssl-root-cert' (path of the CA certificate)");
        }
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    public SourceDatabase asSourceDatabase() {
        Properties props = new Properties();
        props.setProperty("sslmode", sslMode);
        if (sslRootCert != null) {
            props.setProperty("sslrootcert", sslRootCert);
        }
        return new SourceDatabase(jdbcUrl(), user, password, props);
    }

    @Override
    public String toString() {
        return "postgres://" + user + "@" + host + ":" + port + "/" + database;
    }
}
