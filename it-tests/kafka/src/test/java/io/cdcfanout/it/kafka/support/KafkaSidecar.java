package io.cdcfanout.it.kafka.support;

import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.kafka.backend.KafkaConnectBackend;
import java.io.IOException;
import java.nio.file.Path;

/** The YAML of a sidecar in {@code source: kafka} mode, and the process that runs it. */
public final class KafkaSidecar {

    private KafkaSidecar() {}

    /**
     * A sidecar reading {@code source}'s topic, with a cache of the workload's tables.
     *
     * @param instance the name it keeps its position under
     * @param snapshot {@code initial} or {@code never}
     * @param offsets  the {@code offsets:} value, e.g. {@code { store: postgres }}
     */
    public static String cacheYaml(
            TestDatabase db,
            KafkaConnectBackend kafka,
            KafkaConnectBackend.SourceConnector source,
            String instance,
            String snapshot,
            String offsets,
            String tables) {
        return cacheYaml(db, kafka, source, instance, snapshot, offsets, tables, "");
    }

    /** {@link #cacheYaml} with more {@code source.kafka} keys, each line indented by four. */
    public static String cacheYaml(
            TestDatabase db,
            KafkaConnectBackend kafka,
            KafkaConnectBackend.SourceConnector source,
            String instance,
            String snapshot,
            String offsets,
            String tables,
            String moreKafkaYaml) {
        var pg = db.server();
        return """
                source:
                  postgres: { host: %s, port: %d, database: %s, user: %s, password: "%s" }
                  kafka:
                    bootstrap-servers: %s
                    topic: %s
                    instance: %s
                %s  tables: [%s]
                  snapshot: %s
                offsets: %s
                http: { port: 0 }
                sinks:
                  cache:
                    type: caffeine
                    tables: [%s]
                """.formatted(
                        pg.host(),
                        pg.port(),
                        db.name(),
                        pg.superuser(),
                        pg.password(),
                        kafka.bootstrapServers(),
                        source.topic(),
                        instance,
                        moreKafkaYaml,
                        tables,
                        snapshot,
                        offsets,
                        tables);
    }

    /** {@code offsets: { store: file, path: ... }} in the module's target directory. */
    public static String fileOffsets(String name) {
        return "{ store: file, path: "
                + Path.of("target", "kafka-positions", name + ".json").toAbsolutePath() + " }";
    }

    public static ServiceProcess start(String name, String yaml) throws IOException {
        java.nio.file.Files.createDirectories(Path.of("target", "kafka-positions"));
        return new ServiceProcess(name, yaml).start();
    }
}
