package io.cdcfanout.testbackends;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The unpacked Elasticsearch server the local backends run: env {@code CDC_IT_ES_HOME}, else the one this
 * module's build unpacked from Maven Central (recorded in {@code build.properties}).
 */
public final class ElasticsearchDistribution {

    private ElasticsearchDistribution() {}

    /**
     * The Elasticsearch server to run: {@code CDC_IT_ES_HOME} when set, else the one the build unpacked.
     *
     * @throws BackendsUnavailableException saying how to get one when there is none
     */
    public static Path find(Map<String, String> env) {
        String explicit = env.get("CDC_IT_ES_HOME");
        Path home = explicit != null && !explicit.isBlank()
                ? Path.of(explicit)
                : Path.of(BuildProperties.get("elasticsearch.home"));
        if (!Files.isExecutable(home.resolve("bin/elasticsearch"))) {
            throw new BackendsUnavailableException(
                    "no Elasticsearch server at " + home + (explicit != null ? " (CDC_IT_ES_HOME)" : "")
                            + ": build with 'mvn -B -ntp package -DskipTests' (it unpacks the server from Maven Central there)"
                            + " or point CDC_IT_ES_HOME at an unpacked Elasticsearch "
                            + BuildProperties.get("elasticsearch.version"));
        }
        return home;
    }
}
