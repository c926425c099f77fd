package io.cdcfanout.sink;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;

/**
 * How to reach the captured Postgres over JDBC (not over replication).
 *
 * @param jdbcUrl  e.g. {@code jdbc:postgresql://127.0.0.1:5432/shop}
 * @param user     the user
 * @param password the password, never logged
 * @param extra    further driver properties (ssl settings), may be empty
 */
public record SourceDatabase(String jdbcUrl, String user, Secret password, Properties extra) {

    public SourceDatabase {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(user, "user");
        password = password == null ? Secret.NONE : password;
        Properties copy = new Properties();
        if (extra != null) {
            copy.putAll(extra);
        }
        extra = copy;
    }

    public Connection connect(String applicationName) throws SQLException {
        Properties props = new Properties();
        props.putAll(extra);
        props.setProperty("user", user);
        if (!password.isEmpty()) {
            props.setProperty("password", password.reveal());
        }
        props.setProperty("ApplicationName", applicationName);
        return DriverManager.getConnection(jdbcUrl, props);
    }

    @Override
    public String toString() {
        return "SourceDatabase[" + jdbcUrl + ", user=" + user + "]";
    }
}
