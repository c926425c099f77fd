package io.cdcfanout.sink;

import io.cdcfanout.sink.view.ViewCatalog;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Objects;

/**
 * What the service lends a sink.
 *
 * @param source    the captured Postgres, for sinks that read it or write next to it
 * @param meters    where the sink registers its own metrics (tag them with {@code sink=<name>})
 * @param clock     the time source; tests replace it
 * @param rowPolicy apply to every row a sink reads from {@code source} itself (changes it receives in
 *                  batches have had it applied already)
 * @param views     the views the file defines; a sink serves those its config names
 */
public record SinkContext(
        SourceDatabase source, MeterRegistry meters, Clock clock, RowPolicy rowPolicy, ViewCatalog views) {

    public SinkContext {
        Objects.requireNonNull(rowPolicy, "rowPolicy");
        views = views == null ? ViewCatalog.EMPTY : views;
    }

    public SinkContext(SourceDatabase source, MeterRegistry meters, Clock clock, RowPolicy rowPolicy) {
        this(source, meters, clock, rowPolicy, ViewCatalog.EMPTY);
    }

    /** A context without column privacy rules. */
    public SinkContext(SourceDatabase source, MeterRegistry meters, Clock clock) {
        this(source, meters, clock, RowPolicy.NONE);
    }
}
