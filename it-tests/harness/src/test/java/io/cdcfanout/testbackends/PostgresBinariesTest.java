package io.cdcfanout.testbackends;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The order in which Postgres binaries are chosen: CDC_IT_PG_BIN, then the newest installed, then Maven Central's. */
class PostgresBinariesTest {

    @TempDir
    Path dir;

    private final AtomicInteger bundledCalls = new AtomicInteger();
    private final PostgresBinaries bundled = new PostgresBinaries(Path.of("/maven/bin"), 17, "Maven Central");
    /** The Maven Central binaries, counting each call. */
    private PostgresBinaries bundledSupplier() {
        bundledCalls.incrementAndGet();
        return bundled;
    }

    /** Maven Central binaries of the asked major, counted like {@link #bundledSupplier}. */
    private PostgresBinaries bundledOf(int major) {
        bundledCalls.incrementAndGet();
        return major == 17 ? bundled : new PostgresBinaries(Path.of("/maven" + major + "/bin"), major, "Maven Central");
    }

    @Test
    void explicitBinWinsOverInstalledOnesAndItsVersionIsAsked() throws IOException {
        Path root = dir.resolve("usr-lib-postgresql");
        fakeBin(root.resolve("15/bin"), "15.14");
        Path explicit = fakeBin(dir.resolve("custom/bin"), "16.2");

        PostgresBinaries chosen =
                PostgresBinaries.select(Map.of("CDC_IT_PG_BIN", explicit.toString()), root, this::bundledSupplier);

        assertThat(chosen).isEqualTo(new PostgresBinaries(explicit, 16, "CDC_IT_PG_BIN"));
        assertThat(bundledCalls).hasValue(0);
    }

    @Test
    void theNewestCompleteInstalledVersionComesNext() throws IOException {
        Path root = dir.resolve("usr-lib-postgresql");
        fakeBin(root.resolve("13/bin"), "13.1");
        fakeBin(root.resolve("15/bin"), "15.14");
        Files.createDirectories(root.resolve("16/bin")); // client-only install: no initdb
        Files.createDirectories(root.resolve("notes"));

        PostgresBinaries chosen = PostgresBinaries.select(Map.of(), root, this::bundledSupplier);

        assertThat(chosen).isEqualTo(new PostgresBinaries(root.resolve("15/bin"), 15, "installed"));
        assertThat(bundledCalls)
                .as("Maven binaries not extracted when some are installed")
                .hasValue(0);
    }

    @Test
    void mavenCentralBinariesWhenNoneAreInstalled() {
        assertThat(PostgresBinaries.select(Map.of(), dir.resolve("absent"), this::bundledSupplier))
                .isSameAs(bundled);
        assertThat(bundledCalls).hasValue(1);
    }

    @Test
    void anExplicitBinWithoutTheServerIsRefusedInOneLine() throws IOException {
        Path clientOnly = Files.createDirectories(dir.resolve("client/bin"));
        assertThatThrownBy(() -> PostgresBinaries.select(
                        Map.of("CDC_IT_PG_BIN", clientOnly.toString()), dir, this::bundledSupplier))
                .isInstanceOf(BackendsUnavailableException.class)
                .hasMessageContaining("CDC_IT_PG_BIN=" + clientOnly)
                .hasMessageNotContaining("\n");
    }

    @Test
    void aGivenMajorComesFromTheExplicitBinTheInstalledOneOrMavenCentralInThatOrder() throws IOException {
        Path root = dir.resolve("usr-lib-postgresql");
        Path installed15 = fakeBin(root.resolve("15/bin"), "15.14");
        Path explicit15 = fakeBin(dir.resolve("custom15/bin"), "15.3");
        Path explicit16 = fakeBin(dir.resolve("custom16/bin"), "16.2");

        assertThat(PostgresBinaries.select(
                                Map.of("CDC_IT_PG_BIN", explicit15.toString()),
                                15,
                                root,
                                List.of(15, 17),
                                this::bundledOf)
                        .bin())
                .isEqualTo(explicit15);
        assertThat(PostgresBinaries.select(
                                Map.of("CDC_IT_PG_BIN", explicit16.toString()),
                                15,
                                root,
                                List.of(15, 17),
                                this::bundledOf)
                        .bin())
                .as("an explicit bin of another version is passed over")
                .isEqualTo(installed15);
        assertThat(PostgresBinaries.select(Map.of(), 17, root, List.of(15, 17), this::bundledOf))
                .isSameAs(bundled);
        assertThat(bundledCalls).hasValue(1);
    }

    @Test
    void anOlderMajorThatIsNotInstalledComesFromMavenCentralToo() throws IOException {
        Path root = dir.resolve("usr-lib-postgresql");
        fakeBin(root.resolve("17/bin"), "17.5");
        Path explicit17 = fakeBin(dir.resolve("custom17/bin"), "17.2");

        PostgresBinaries chosen = PostgresBinaries.select(
                Map.of("CDC_IT_PG_BIN", explicit17.toString()), 15, root, List.of(15, 17), this::bundledOf);

        assertThat(chosen).isEqualTo(new PostgresBinaries(Path.of("/maven15/bin"), 15, "Maven Central"));
        assertThat(bundledCalls).hasValue(1);
    }

    @Test
    void aMajorNobodyHasFailsWithTheInstallHint() throws IOException {
        Path root = dir.resolve("usr-lib-postgresql");
        fakeBin(root.resolve("15/bin"), "15.14");
        assertThatThrownBy(() -> PostgresBinaries.select(Map.of(), 16, root, List.of(15, 17), this::bundledOf))
                .isInstanceOf(BackendsUnavailableException.class)
                .hasMessageContaining("no Postgres 16 server binaries")
                .hasMessageContaining("apt-get install postgresql-16")
                .hasMessageContaining("CDC_IT_PG_BIN")
                .hasMessageContaining("[15, 17]")
                .hasMessageNotContaining("\n");
        assertThat(bundledCalls).hasValue(0);
    }

    /** A bin directory whose postgres prints {@code version} like the real one does. */
    private Path fakeBin(Path bin, String version) throws IOException {
        Files.createDirectories(bin);
        for (String name : new String[] {"initdb", "pg_ctl"}) {
            executable(bin.resolve(name), "#!/bin/sh\nexit 0\n");
        }
        executable(bin.resolve("postgres"), "#!/bin/sh\necho 'postgres (PostgreSQL) " + version + " (fake)'\n");
        return bin;
    }

    private static void executable(Path file, String script) throws IOException {
        Files.writeString(file, script);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
