package io.cdcfanout.it.harness;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

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

    /** The rows of a query, each column as Postgres' text (null for NULL), in the query's order. */
    public List<List<String>> rows(String sql) {
        List<List<String>> rows = new ArrayList<>();
        try (Connection c = connect();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> row = new ArrayList<>(columns);
                for (int i = 1; i <= columns; i++) {
                    row.add(rs.getString(i));
                }
                rows.add(row);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("query failed on " + name + ": " + e.getMessage(), e);
        }
        return rows;
    }

    /** The single number a query returns (a count, say). */
    public long queryLong(String sql) {
        return Long.parseLong(rows(sql).get(0).get(0));
    }
}
