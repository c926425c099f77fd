package io.cdcfanout.it.harness;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** A real Postgres server with {@code wal_level=logical}, shared by the whole test run. */
public interface PostgresBackend {

    String host();

    int port();

    /** A superuser (also allowed to replicate). */
    String superuser();

    /** Its password; may be empty (trust authentication). */
    String password();

    default String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    /** Stops the server and starts it again on the same port (for outage tests). */
    void restart();

    /** Where this server comes from, for logs: "env", "docker", "local process". */
    String origin();

    /** The server's major version, e.g. 15, as it reports it ({@code server_version_num}). */
    default int majorVersion() {
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), superuser(), password());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SHOW server_version_num")) {
            rs.next();
            return Integer.parseInt(rs.getString(1)) / 10000;
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "cannot ask Postgres at " + jdbcUrl("postgres") + " for its version: " + e.getMessage(), e);
        }
    }
}
