package io.cdcfanout.sink;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;

/**
 * What the service lends a sink.
 *
 * @param source   the captured Postgres, for sinks that read it or write next to it
 * @param meters   where the sink registers its own metrics (tag them with {@code sink=<name>})
 * @param clock    the time source; tests replace it
 */
public record SinkContext(SourceDatabase source, MeterRegistry meters, Clock clock) {
}
