package io.cdcfanout.it;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcfanout.it.support.RunningService;
import io.cdcfanout.service.CdcService;
import io.cdcfanout.service.engine.StartupException;
import io.cdcfanout.testbackends.LocalPostgres;
import io.cdcfanout.testbackends.PostgresBinaries;
import io.cdcfanout.testbackends.ProcessOwner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A Postgres without {@code wal_level=logical} is refused at start with the fix spelled out. Needs a
 * server of its own (the shared one must stay logical), so it always starts a local process.
 */
class WalLevelIT {

    @Test
    void walLevelReplicaIsRefusedWithTheFix() throws Exception {
        Map<String, String> env = System.getenv();
        Path dir = Files.createTempDirectory(
                "cdc-it-wal-level", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        try (LocalPostgres pg = LocalPostgres.start(
                PostgresBinaries.find(env),
                dir.resolve("pg"),
                ProcessOwner.forThisJvm(env),
                Map.of("wal_level", "replica"))) {
            try (Connection c = DriverManager.getConnection(
                            "jdbc:postgresql://" + pg.host() + ":" + pg.port() + "/postgres",
                            pg.superuser(),
                            pg.password());
                    Statement s = c.createStatement()) {
                s.execute("CREATE TABLE items (id int PRIMARY KEY)");
            }
            String yaml = """
                    source:
                      postgres: { host: %s, port: %d, database: postgres, user: %s, password: "%s" }
                      tables: [public.items]
                    http: { port: 0 }
                    sinks:
                      cache: { type: caffeine, tables: [public.items] }
                    """.formatted(pg.host(), pg.port(), pg.superuser(), pg.password());
            assertThatThrownBy(
                            () -> CdcService.start(RunningService.parse(yaml)).close())
                    .isInstanceOf(StartupException.class)
                    .hasMessageContaining("wal_level=replica")
                    .hasMessageContaining("ALTER SYSTEM SET wal_level = logical")
                    .hasMessageContaining("restart Postgres");
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
