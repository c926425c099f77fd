package io.cdcfanout.it.support;

import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.SinkConfig;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** {@code type: recording}: a test sink that keeps every event it is given, under a name. */
public record RecordingSinkConfig(String id, List<TableId> tables) implements SinkConfig {

    @Override
    public Set<TableId> sourceTables() {
        return new LinkedHashSet<>(tables);
    }
}
