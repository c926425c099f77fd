package io.cdcfanout.it.harness;

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
}
