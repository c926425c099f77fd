package io.cdcfanout.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.cdcfanout.it.harness.Backends;
import io.cdcfanout.it.harness.BackendsExtension;
import io.cdcfanout.it.harness.TestDatabase;
import io.cdcfanout.it.kafka.backend.KafkaBackendExtension;
import io.cdcfanout.it.kafka.backend.KafkaConnectBackend;
import io.cdcfanout.it.kafka.support.KafkaSidecar;
import io.cdcfanout.it.kafka.support.ServiceProcess;
import io.cdcfanout.it.kafka.support.Wal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Kafka keeps records for a retention period, not until every reader has them: a sidecar whose stored position
 * the topic no longer holds must refuse to continue, say how to rebuild, and skip nothing.
 */
@ExtendWith({BackendsExtension.class, KafkaBackendExtension.class})
class RetentionLossIT {

    @Test
    void aSidecarWhosePositionFellOffRetentionRefusesToStartAndSaysHowToRebuild(
            TestDatabase db, KafkaConnectBackend kafka) throws Exception {
        db.execute("CREATE TABLE items (id int PRIMARY KEY, name text)", "INSERT INTO items VALUES (1, 'one')");
        String name = Backends.uniqueName("retention");
        KafkaConnectBackend.SourceConnector source = kafka.deploySource(db, name, List.of("public.items"), Map.of());
        String positionFile = KafkaSidecar.fileOffsets(name);
        String yaml = KafkaSidecar.cacheYaml(db, kafka, source, name, "initial", positionFile, "public.items");
        try (ServiceProcess sidecar = KafkaSidecar.start("retention", yaml)) {
            sidecar.awaitReady();
            sidecar.awaitApplied(Wal.fence(db), Duration.ofSeconds(60));
            sidecar.close(); // graceful: its position is stored
            long stored = kafka.endOffset(source.topic());

            for (int i = 2; i <= 20; i++) {
                db.execute("INSERT INTO items VALUES (" + i + ", 'n" + i + "')");
            }
            Awaitility.await("the changes made while the sidecar was down reach the topic")
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> kafka.endOffset(source.topic()) >= stored + 19 * 3);
            // retention deletes them before the sidecar is back (deleteRecords does what retention.ms does)
            long earliest = kafka.deleteRecordsBefore(source.topic(), kafka.endOffset(source.topic()));
            assertThat(earliest).isGreaterThan(stored);

            sidecar.start();
            int exit = sidecar.awaitExit(Duration.ofSeconds(120));
            String log = sidecar.log();
            assertThat(exit)
                    .as("exit code 3: the source is not usable; log:\n" + log)
                    .isEqualTo(3);
            assertThat(log)
                    .contains("fell off the topic's retention")
                    .contains("the earliest offset still held is " + earliest)
                    .contains("Nothing was skipped")
                    .contains("To rebuild")
                    .contains("delete its position (rm ");
        } finally {
            kafka.deleteConnector(name);
        }
    }

    @Test
    void aRunningSidecarWhoseNextRecordsRetentionDeletedStopsInsteadOfSkipping(
            TestDatabase db, KafkaConnectBackend kafka) throws Exception {
        db.execute("CREATE TABLE items (id int PRIMARY KEY, name text)", "INSERT INTO items VALUES (1, 'one')");
        String name = Backends.uniqueName("retention");
        KafkaConnectBackend.SourceConnector source = kafka.deploySource(db, name, List.of("public.items"), Map.of());
        String yaml = KafkaSidecar.cacheYaml(
                db, kafka, source, name, "initial", KafkaSidecar.fileOffsets(name), "public.items");
        try (ServiceProcess sidecar = KafkaSidecar.start("retention-running", yaml)) {
            sidecar.awaitReady();
            sidecar.awaitApplied(Wal.fence(db), Duration.ofSeconds(60));
            // a paused sink holds the source thread: it polls no further, as when a sidecar falls far behind
            assertThat(sidecar.post("/sinks/cache/pause").statusCode()).isEqualTo(200);
            insertRows(db, kafka, source, 2, 11);
            Thread.sleep(1000); // the source has taken what it could and waits for the sink
            long unread = kafka.endOffset(source.topic());
            insertRows(db, kafka, source, 12, 21);
            long earliest = kafka.deleteRecordsBefore(source.topic(), kafka.endOffset(source.topic()));
            assertThat(earliest).isGreaterThan(unread);

            assertThat(sidecar.post("/sinks/cache/resume").statusCode()).isEqualTo(200);
            int exit = sidecar.awaitExit(Duration.ofSeconds(120));
            String log = sidecar.log();
            assertThat(exit).as("the sidecar stops with an error; log:\n" + log).isEqualTo(1);
            assertThat(log)
                    .contains("fell off the topic's retention")
                    .contains("the earliest offset still held is " + earliest)
                    .contains("Nothing was skipped");
        } finally {
            kafka.deleteConnector(name);
        }
    }

    /** Inserts rows {@code from..to}, one transaction each, and waits until the topic holds them. */
    private static void insertRows(
            TestDatabase db, KafkaConnectBackend kafka, KafkaConnectBackend.SourceConnector source, int from, int to) {
        long before = kafka.endOffset(source.topic());
        for (int i = from; i <= to; i++) {
            db.execute("INSERT INTO items VALUES (" + i + ", 'n" + i + "')");
        }
        Awaitility.await("rows " + from + ".." + to + " in the topic")
                .atMost(Duration.ofSeconds(60))
                .until(() -> kafka.endOffset(source.topic()) >= before + (to - from + 1) * 3L);
    }
}
