package io.cdcfanout.testbackends;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * The unpacked Elasticsearch server the local backends run: env {@code CDC_IT_ES_HOME}, else the one this
 * module's build unpacked from Maven Central (recorded in {@code build.properties}).
 */
public final class ElasticsearchDistribution {

    private ElasticsearchDistribution() {
    }

    /** @throws IllegalStateException saying how to get one when there is none */
    public static Path find(Map<String, String> env) {
        String explicit = env.get("CDC_IT_ES_HOME");
        Path home = explicit != null && !explicit.isBlank() ? Path.of(explicit) : Path.of(buildProperty("elasticsearch.home"));
        if (!Files.isExecutable(home.resolve("bin/elasticsearch"))) {
            throw new IllegalStateException("no Elasticsearch server at " + home + (explicit != null ? " (CDC_IT_ES_HOME)" : "")
                    + ": build with 'mvn -B -ntp package -DskipTests' (it unpacks the server from Maven Central there)"
                    + " or point CDC_IT_ES_HOME at an unpacked Elasticsearch " + buildProperty("elasticsearch.version"));
        }
        return home;
    }

    private static String buildProperty(String key) {
        try (InputStream in = ElasticsearchDistribution.class.getResourceAsStream("build.properties")) {
            if (in == null) {
                throw new IllegalStateException("build.properties is missing from the test harness jar; rebuild it with Maven");
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
