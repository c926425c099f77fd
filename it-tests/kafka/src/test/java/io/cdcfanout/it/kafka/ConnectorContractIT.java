package io.cdcfanout.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.kafka.backend.KafkaBackendExtension;
import io.cdcfanout.it.kafka.backend.KafkaConnectBackend;
import io.cdcfanout.it.kafka.support.KafkaSidecar;
import io.cdcfanout.it.kafka.support.ServiceProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A connector configured otherwise than shipped stops the sidecar at its first records with the connector setting
 * to change, instead of feeding the sinks what the converter would misread.
 */
@ExtendWith({BackendsExtension.class, KafkaBackendExtension.class})
class ConnectorContractIT {

    @Test
    void aConnectorWithoutTransactionMetadataNamesTheSetting(TestDatabase db, KafkaConnectBackend kafka)
            throws Exception {
        String log = runAgainstConnector(db, kafka, Map.of("provide.transaction.metadata", "false"));
        assertThat(log)
                .contains("carries no transaction metadata")
                .contains("set provide.transaction.metadata=true")
                .contains("compose/connect/cdc-fanout-source.json");
    }

    @Test
    void aConnectorWithBinaryDecimalsNamesTheSetting(TestDatabase db, KafkaConnectBackend kafka) throws Exception {
        String log = runAgainstConnector(db, kafka, Map.of("decimal.handling.mode", "precise"));
        assertThat(log).contains("column price").contains("set decimal.handling.mode=string");
    }

    @Test
    void withItsUrlTheConnectorsConfigurationIsCheckedAtStartAlsoForWhatRecordsCannotShow(
            TestDatabase db, KafkaConnectBackend kafka) throws Exception {
        db.execute("CREATE TABLE items (id int PRIMARY KEY, name text)");
        String name = Backends.uniqueName("contract");
        // Debezium's default: TRUNCATE is dropped, which no record can show
        KafkaConnectBackend.SourceConnector source =
                kafka.deploySource(db, name, List.of("public.items"), Map.of("skipped.operations", "t"));
        String yaml = KafkaSidecar.cacheYaml(
                db,
                kafka,
                source,
                name,
                "initial",
                KafkaSidecar.fileOffsets(name),
                "public.items",
                "    connector-url: " + kafka.connectorUrl(name) + "\n");
        try (ServiceProcess sidecar = KafkaSidecar.start(name, yaml)) {
            int exit = sidecar.awaitExit(Duration.ofSeconds(120));
            String log = sidecar.log();
            assertThat(exit)
                    .as("exit code 3: the source is not usable; log:\n" + log)
                    .isEqualTo(3);
            assertThat(log)
                    .contains("is configured otherwise than this mode needs")
                    .contains("skipped.operations is 't': set skipped.operations=none");
        } finally {
            kafka.deleteConnector(name);
        }
    }

    /** Runs a sidecar on a connector with {@code overrides}; returns its log once it has exited with 1. */
    private static String runAgainstConnector(TestDatabase db, KafkaConnectBackend kafka, Map<String, String> overrides)
            throws Exception {
        db.execute(
                "CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(10,2))",
                "INSERT INTO items VALUES (1, 'one', 1.50)");
        String name = Backends.uniqueName("contract");
        KafkaConnectBackend.SourceConnector source = kafka.deploySource(db, name, List.of("public.items"), overrides);
        String yaml = KafkaSidecar.cacheYaml(
                db, kafka, source, name, "initial", KafkaSidecar.fileOffsets(name), "public.items");
        try (ServiceProcess sidecar = KafkaSidecar.start(name, yaml)) {
            db.execute("UPDATE items SET name = 'uno' WHERE id = 1");
            int exit = sidecar.awaitExit(Duration.ofSeconds(120));
            String log = sidecar.log();
            assertThat(exit).as("the sidecar stops with an error; log:\n" + log).isEqualTo(1);
            return log;
        } finally {
            kafka.deleteConnector(name);
        }
    }
}
