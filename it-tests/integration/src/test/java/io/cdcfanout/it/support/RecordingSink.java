package io.cdcfanout.it.support;

import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Lsn;
import io.cdcfanout.sink.ApplyResult;
import io.cdcfanout.sink.ChangeBatch;
import io.cdcfanout.sink.Sink;
import io.cdcfanout.sink.SinkContext;
import io.cdcfanout.sink.SinkFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** A sink for tests: records every event, by the config's {@code id}, so a test can look at what the pipeline delivered. */
public final class RecordingSink implements Sink {

    private static final Map<String, List<ChangeEvent>> RECORDED = new ConcurrentHashMap<>();
    private static final Map<String, Lsn> END_LSN = new ConcurrentHashMap<>();

    private final String id;

    RecordingSink(String id) {
        this.id = id;
    }

    /** Events recorded under {@code id}, in delivery order. */
    public static List<ChangeEvent> events(String id) {
        return new ArrayList<>(RECORDED.getOrDefault(id, List.of()));
    }

    public static void clear(String id) {
        RECORDED.remove(id);
    }

    @Override
    public void start() {}

    @Override
    public ApplyResult apply(ChangeBatch batch) {
        RECORDED.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>()).addAll(batch.events());
        END_LSN.put(id, batch.endLsn());
        return ApplyResult.allApplied();
    }

    @Override
    public void close() {}

    /** Registered in META-INF/services of the test classpath. */
    public static final class Factory implements SinkFactory<RecordingSinkConfig> {
        @Override
        public String type() {
            return "recording";
        }

        @Override
        public Class<RecordingSinkConfig> configType() {
            return RecordingSinkConfig.class;
        }

        @Override
        public Sink create(String name, RecordingSinkConfig config, SinkContext context) {
            return new RecordingSink(config.id());
        }
    }
}
