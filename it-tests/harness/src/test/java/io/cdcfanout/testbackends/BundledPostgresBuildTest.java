package io.cdcfanout.testbackends;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcfanout.it.harness.SupportedPostgres;
import org.junit.jupiter.api.Test;

/** What the build recorded in build.properties: Maven Central binaries for every supported major, unpacked where it says. */
class BundledPostgresBuildTest {

    @Test
    void everySupportedMajorHasMavenCentralBinariesOfThatMajorUnpackedByTheBuild() {
        assertThat(BundledPostgres.majors()).containsAll(SupportedPostgres.MAJORS);
        for (int major : SupportedPostgres.MAJORS) {
            assertThat(BundledPostgres.version(major)).startsWith(major + ".");
            assertThat(BundledPostgres.archive(major))
                    .as("archive of Postgres " + major)
                    .isRegularFile();
        }
        assertThat(BundledPostgres.newestMajor())
                .isEqualTo(SupportedPostgres.MAJORS.get(SupportedPostgres.MAJORS.size() - 1));
    }

    @Test
    void aMajorTheBuildHasNoBinariesForIsRefusedWithTheInstallHint() {
        assertThatThrownBy(() -> BundledPostgres.extracted(14))
                .isInstanceOf(BackendsUnavailableException.class)
                .hasMessageContaining("no Maven Central Postgres 14 binaries")
                .hasMessageContaining("apt-get install postgresql-14")
                .hasMessageNotContaining("\n");
    }
}
