package io.cdcfanout.testbackends;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** What this module's build recorded in {@code build.properties} (resource filtering): versions and where it unpacked things. */
final class BuildProperties {

    private BuildProperties() {}

    static String get(String key) {
        try (InputStream in = BuildProperties.class.getResourceAsStream("build.properties")) {
            if (in == null) {
                throw new BackendsUnavailableException(
                        "build.properties is missing from the test harness jar; rebuild it with 'mvn -B -ntp package -DskipTests'");
            }
            Properties p = new Properties();
            p.load(in);
            String value = p.getProperty(key);
            if (value == null || value.contains("${")) {
                throw new BackendsUnavailableException("build.properties of the test harness has no " + key
                        + "; rebuild it with 'mvn -B -ntp package -DskipTests'");
            }
            return value;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
