package io.cdcfanout.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaFiguresTest {

    private static final Figure DIRECT =
            new Figure("W1K", "direct sidecar es+scd2", 100_000, 10.0, Map.of(), 0.08, 1, 1, 1, 1.0, "");

    @Test
    void windowRatesAndCpuPerThousand() {
        KafkaFigures.Window w = new KafkaFigures.Window(100_000, 20.0, 5.0);
        assertThat(w.perSecond()).isEqualTo(5000.0);
        assertThat(w.cpuPer1000()).isEqualTo(0.05);
        assertThat(new KafkaFigures.Window(10, 0, -1).perSecond()).isZero();
        assertThat(new KafkaFigures.Window(10, 1, -1).cpuPer1000()).isEqualTo(-1);
    }

    @Test
    void sinkFigureNamesItsTasks() {
        Figure one = KafkaFigures.sink(new KafkaFigures.SinkRun(1, new KafkaFigures.Window(1000, 2, 1)), 0.5);
        Figure three = KafkaFigures.sink(new KafkaFigures.SinkRun(3, new KafkaFigures.Window(1000, 1, 1)), 0.5);
        assertThat(one.workload()).isEqualTo("W1K");
        assertThat(one.variant()).isEqualTo("sink connector es+scd2, 1 task");
        assertThat(three.variant()).isEqualTo("sink connector es+scd2, 3 tasks");
        assertThat(three.perSecond()).isEqualTo(1000.0);
        assertThat(three.cpuSecondsPer1000()).isEqualTo(1.0);
    }

    @Test
    void ratiosAgainstTheDirectPathAndOneTask() {
        List<KafkaFigures.SinkRun> sinks = List.of(
                new KafkaFigures.SinkRun(1, new KafkaFigures.Window(100_000, 40.0, -1)), // 2,500/s
                new KafkaFigures.SinkRun(2, new KafkaFigures.Window(100_000, 25.0, -1)), // 4,000/s
                new KafkaFigures.SinkRun(3, new KafkaFigures.Window(100_000, 20.0, -1))); // 5,000/s
        KafkaFigures.Window source = new KafkaFigures.Window(100_000, 5.0, -1); // 20,000/s
        List<String> ratios = KafkaFigures.ratios(DIRECT, source, sinks, 12_345, 13.06);
        assertThat(ratios)
                .containsExactly(
                        "W1K Kafka side (1 KRaft broker + 1 Connect worker, own JVM): broker and worker started in 12.3 s,"
                                + " 13.1 s from launch to ready",
                        "W1K Debezium source into Kafka / direct sidecar (es+scd2) = 2.00",
                        "W1K sink connector 1 task / direct sidecar (es+scd2) = 0.25",
                        "W1K sink connector 2 tasks / direct sidecar (es+scd2) = 0.40; / 1 task = 1.60",
                        "W1K sink connector 3 tasks / direct sidecar (es+scd2) = 0.50; / 1 task = 2.00",
                        "W1K at this run's rates, 100,000 changes/s needs 40 sink tasks (1 task: 2,500 changes/s);"
                                + " one Debezium task gives 20% of it");
    }

    @Test
    void ratiosWithoutADirectFigureStillListTheRuns() {
        List<String> ratios = KafkaFigures.ratios(
                null, null, List.of(new KafkaFigures.SinkRun(2, new KafkaFigures.Window(10, 1, -1))), 1000, 1.5);
        assertThat(ratios).contains("W1K sink connector 2 tasks / direct sidecar (es+scd2) = -");
    }

    @Test
    void topicSizePerChangeAndAtTheSizingTarget() {
        assertThat(KafkaFigures.topicSize(2_500_000, 1000))
                .isEqualTo("W1K topic: 2,500 bytes per change on the broker (JSON with schemas, uncompressed);"
                        + " at 100,000 changes/s that is 250 MB/s into Kafka per replica");
    }

    @Test
    void tasksForRoundsUp() {
        assertThat(KafkaFigures.tasksFor(100_000, 3_000)).isEqualTo(34);
        assertThat(KafkaFigures.tasksFor(100_000, 100_000)).isEqualTo(1);
        assertThat(KafkaFigures.tasksFor(100, 1_000_000)).isEqualTo(1);
        assertThatThrownBy(() -> KafkaFigures.tasksFor(1, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
