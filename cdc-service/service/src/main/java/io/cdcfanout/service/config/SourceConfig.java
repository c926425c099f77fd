package io.cdcfanout.service.config;

import io.cdcfanout.schema.TableId;
import io.cdcfanout.sink.Secret;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Where changes come from.
 *
 * <p>Two modes. Without {@code kafka} the sidecar streams from a replication slot of its own. With {@code kafka} it
 * reads the changes Debezium's connector in a Kafka Connect worker writes to one topic, and owns no slot: then
 * {@code slot}, {@code publication} and {@code heartbeat-interval} are the connector's settings and may not be
 * set here, and {@code snapshot} says where a first start begins in the topic.
 *
 * @param postgres         the captured database; in Kafka mode still needed for the fence, the cache's load,
 *                         the dead-letter table and (by default) the offsets
 * @param kafka            read from Kafka instead of a slot; null for the slot
 * @param slot             logical replication slot, created if absent; one per running instance; null in Kafka mode
 * @param publication      publication for exactly {@code tables}, created (or corrected) if needed; null in Kafka
 *                         mode
 * @param tables           captured tables, {@code schema.table}
 * @param snapshot         {@code initial} (snapshot on first start, then stream) or {@code never}; in Kafka mode
 *                         {@code initial} starts a first run at the topic's first offset (the connector's
 *                         snapshot, which must still be there) and {@code never} at its end
 * @param pollInterval     how long the engine waits to fill a batch; small keeps latency low at low rates
 * @param maxBatchSize     most changes per batch
 * @param maxQueueSize     changes buffered between the WAL reader and the pipeline
 * @param heartbeatInterval how often the slot position is confirmed while captured tables are idle
 * @param columns          per captured table, columns to drop or mask before any sink sees them
 * @param maskKey          HMAC key for masked columns; required when any column is masked
 * @param onLostSlot       what a start does when changes were lost to the sidecar (the slot is gone or
 *                         invalidated): "refuse" (the default: say so and stop, so nothing is skipped silently) or
 *                         "resnapshot" (what the CLI's --resnapshot does, automatically, with a warning): a fresh
 *                         slot, and every sink rebuilt from the tables
 */
public record SourceConfig(
        PostgresConfig postgres,
        KafkaSourceConfig kafka,
        String slot,
        String publication,
        List<TableId> tables,
        String snapshot,
        Duration pollInterval,
        Integer maxBatchSize,
        Integer maxQueueSize,
        Duration heartbeatInterval,
        Map<TableId, ColumnRules> columns,
        Secret maskKey,
        String onLostSlot) {

    /** Shortest {@code mask-key} accepted: a short key would let anyone hash guesses (e.g. e-mail addresses) and compare. */
    public static final int MIN_MASK_KEY_LENGTH = 16;

    /**
     * Large enough that a backlog drain coalesces a row's changes within one batch (one Elasticsearch write
     * instead of several): 8192 drained a million changes 15% faster than 2048. At steady rates batches
     * stay small, as the engine hands over what arrived within {@code poll-interval}.
     */
    public static final int DEFAULT_MAX_BATCH_SIZE = 8192;

    public static final int DEFAULT_MAX_QUEUE_SIZE = 4 * DEFAULT_MAX_BATCH_SIZE;

    public SourceConfig {
        Validation.require(postgres, "source.postgres");
        if (kafka != null) {
            refuseInKafkaMode(slot, "slot", "slot.name");
            refuseInKafkaMode(publication, "publication", "publication.name");
            refuseInKafkaMode(heartbeatInterval, "heartbeat-interval", "heartbeat.interval.ms");
        } else {
            slot = Validation.identifier(slot, "cdc_fanout", "source.slot");
            publication = Validation.identifier(publication, "cdc_fanout", "source.publication");
        }
        Validation.require(tables, "source.tables");
        if (tables.isEmpty()) {
            throw new IllegalArgumentException(
                    "'source.tables' is empty: list the tables to capture, e.g. [public.products]");
        }
        if (new LinkedHashSet<>(tables).size() != tables.size()) {
            throw new IllegalArgumentException("'source.tables' lists a table twice: " + tables);
        }
        tables = List.copyOf(tables);
        snapshot = snapshot == null ? "initial" : snapshot;
        if (!snapshot.equals("initial") && !snapshot.equals("never")) {
            throw new IllegalArgumentException(
                    "'source.snapshot' must be 'initial' or 'never', not '" + snapshot + "'");
        }
        pollInterval = positive(pollInterval, Duration.ofMillis(5), "source.poll-interval");
        heartbeatInterval = positive(heartbeatInterval, Duration.ofSeconds(10), "source.heartbeat-interval");
        maxBatchSize = atLeast(maxBatchSize, DEFAULT_MAX_BATCH_SIZE, 1, "source.max-batch-size");
        maxQueueSize = atLeast(maxQueueSize, DEFAULT_MAX_QUEUE_SIZE, maxBatchSize + 1, "source.max-queue-size");
        columns = columns == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(columns));
        maskKey = maskKey == null ? Secret.NONE : maskKey;
        checkColumnRules(tables, columns, maskKey);
        if (kafka != null) {
            refuseInKafkaMode(onLostSlot, "on-lost-slot", "snapshot.mode");
        }
        onLostSlot = onLostSlot == null ? "refuse" : onLostSlot;
        if (!onLostSlot.equals("refuse") && !onLostSlot.equals("resnapshot")) {
            throw new IllegalArgumentException(
                    "'source.on-lost-slot' must be 'refuse' or 'resnapshot', not '" + onLostSlot + "'");
        }
    }

    /** True when a start that finds changes lost re-snapshots instead of refusing ({@code on-lost-slot}). */
    public boolean resnapshotsWhenLost() {
        return onLostSlot.equals("resnapshot");
    }

    /** This source without Debezium's initial snapshot: a re-snapshot rebuilds the sinks instead. */
    public SourceConfig withoutInitialSnapshot() {
        return new SourceConfig(
                postgres,
                kafka,
                slot,
                publication,
                tables,
                "never",
                pollInterval,
                maxBatchSize,
                maxQueueSize,
                heartbeatInterval,
                columns,
                maskKey,
                onLostSlot);
    }

    /** True when changes come from Kafka ({@code source.kafka}), not from a slot. */
    public boolean fromKafka() {
        return kafka != null;
    }

    private static void refuseInKafkaMode(Object value, String key, String connectorSetting) {
        if (value != null) {
            throw new IllegalArgumentException("'source." + key + "' does not apply with 'source.kafka': the Kafka "
                    + "Connect connector owns the slot (set " + connectorSetting + " in its configuration, "
                    + "compose/connect/cdc-fanout-source.json); remove it here");
        }
    }

    private static void checkColumnRules(List<TableId> tables, Map<TableId, ColumnRules> columns, Secret maskKey) {
        List<TableId> unknown =
                columns.keySet().stream().filter(t -> !tables.contains(t)).toList();
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("'source.columns' names table(s) " + unknown
                    + " that are not in source.tables " + tables + ": add them there or remove their rules");
        }
        columns.forEach((table, rules) -> Validation.require(rules, "source.columns." + table));
        boolean masks = columns.values().stream().anyMatch(r -> !r.mask().isEmpty());
        if (masks && maskKey.isEmpty()) {
            throw new IllegalArgumentException("'source.columns' masks columns but 'source.mask-key' is not set: "
                    + "set it from the environment, e.g. mask-key: \"${CDC_MASK_KEY}\"");
        }
        if (!maskKey.isEmpty() && maskKey.reveal().length() < MIN_MASK_KEY_LENGTH) {
            throw new IllegalArgumentException("'source.mask-key' must be at least " + MIN_MASK_KEY_LENGTH
                    + " characters long (a random one, e.g. from openssl rand -hex 32)");
        }
    }

    private static Duration positive(Duration value, Duration defaultValue, String key) {
        Duration d = value == null ? defaultValue : value;
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("'" + key + "' must be positive, not " + d);
        }
        return d;
    }

    private static int atLeast(Integer value, int defaultValue, int min, String key) {
        int v = value == null ? defaultValue : value;
        if (v < min) {
            throw new IllegalArgumentException("'" + key + "' must be at least " + min + ", not " + v);
        }
        return v;
    }
}
