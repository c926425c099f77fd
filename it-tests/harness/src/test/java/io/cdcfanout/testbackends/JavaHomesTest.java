package io.cdcfanout.testbackends;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JavaHomesTest {

    @TempDir
    Path dir;

    @Test
    void readsTheFeatureVersionFromTheReleaseFile() throws IOException {
        assertThat(JavaHomes.majorVersion(fakeJdk("a", "25.0.1"))).hasValue(25);
        assertThat(JavaHomes.majorVersion(fakeJdk("b", "17.0.15"))).hasValue(17);
        assertThat(JavaHomes.majorVersion(fakeJdk("c", "1.8.0_402"))).hasValue(8);
        assertThat(JavaHomes.majorVersion(dir.resolve("missing"))).isEmpty();
    }

    @Test
    void prefersAnExplicitHomeThenAQualifyingJavaHome() throws IOException {
        Path explicit = fakeJdk("explicit", "21.0.2");
        Path javaHome = fakeJdk("home", "25");
        assertThat(JavaHomes.find(
                        Map.of("CDC_IT_ES_JAVA_HOME", explicit.toString(), "JAVA_HOME", javaHome.toString()), 21))
                .isEqualTo(explicit);
        assertThat(JavaHomes.find(Map.of("JAVA_HOME", javaHome.toString()), 21)).isEqualTo(javaHome);
    }

    @Test
    void rejectsAnExplicitHomeThatIsTooOld() throws IOException {
        Path old = fakeJdk("old", "17.0.1");
        assertThatThrownBy(() -> JavaHomes.find(Map.of("CDC_IT_ES_JAVA_HOME", old.toString()), 21))
                .hasMessageContaining("is Java 17")
                .hasMessageContaining("21+");
    }

    private Path fakeJdk(String name, String version) throws IOException {
        Path home = dir.resolve(name);
        Files.createDirectories(home.resolve("bin"));
        Files.writeString(home.resolve("release"), "IMPLEMENTOR=\"test\"\nJAVA_VERSION=\"" + version + "\"\n");
        Path java = Files.createFile(home.resolve("bin/java"));
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }
}
