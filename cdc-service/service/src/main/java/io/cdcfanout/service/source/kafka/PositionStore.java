package io.cdcfanout.service.source.kafka;

import io.cdcfanout.service.config.ServiceConfig;
import java.util.OptionalLong;

/**
 * Where a sidecar in Kafka mode keeps its position: the offset in the topic's partition to resume at, always just
 * after a transaction boundary whose batch every sink applied. It is the sidecar's own (keyed by
 * {@code source.kafka.instance}), not a consumer group's: replicas read the same topic independently.
 */
interface PositionStore extends AutoCloseable {

    /** The stored offset; empty when none is stored (a first start). */
    OptionalLong load();

    /** Stores {@code offset} durably before returning. */
    void save(long offset) throws InterruptedException;

    /** How an operator deletes the stored position, for messages. */
    String deleteHint();

    @Override
    void close();

    /** The store {@code offsets.store} names. */
    static PositionStore of(ServiceConfig config) {
        var kafka = config.source().kafka();
        if (config.offsets().inPostgres()) {
            return new PostgresPositionStore(
                    config.source().postgres().asSourceDatabase(),
                    config.offsets().schema(),
                    kafka.instance(),
                    kafka.topic());
        }
        return new FilePositionStore(config.offsets().path(), kafka.topic());
    }
}
