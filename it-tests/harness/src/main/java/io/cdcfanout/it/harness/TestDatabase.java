package io.cdcfanout.it.harness;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** An empty database made for one test on the shared {@link PostgresBackend}; dropped with its slots at the end. */
public record TestDatabase(PostgresBackend server, String name) {

    public String jdbcUrl() {
        return server.jdbcUrl(name);
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), server.superuser(), server.password());
    }

    /** Runs statements, each in its own autocommit transaction. */
    public void execute(String... statements) {
        try (Connection c = connect();
                Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed on " + name + ": " + e.getMessage(), e);
        }
    }
}
