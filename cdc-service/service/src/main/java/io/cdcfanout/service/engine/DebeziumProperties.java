package io.cdcfanout.service.engine;

import io.cdcfanout.converter.ConnectorContract;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.service.config.ServiceConfig;
import io.cdcfanout.service.config.SourceConfig;
import java.util.Properties;
import java.util.stream.Collectors;

/** The embedded Debezium Postgres connector's settings, derived from the service configuration. */
public final class DebeziumProperties {

    static final long MAX_QUEUE_BYTES = 128L * 1024 * 1024;

    /** Prefix of the logical decoding messages the service writes as read-your-writes fences. */
    public static final String FENCE_MESSAGE_PREFIX = ConnectorContract.FENCE_MESSAGE_PREFIX;

    static final String TOPIC_PREFIX = "cdc_fanout";

    /** Data types whose source type Debezium passes on (as schema parameter {@code __debezium.source.column.type}). */
    static final String NUMERIC_TYPES = ConnectorContract.PROPAGATED_SOURCE_TYPES;

    /** Run by the connector on every heartbeat; see {@link #from}. */
    static final String HEARTBEAT_ACTION_QUERY =
            "SELECT pg_logical_emit_message(true, '" + FENCE_MESSAGE_PREFIX + "', 'heartbeat')";

    private DebeziumProperties() {}

    public static Properties from(ServiceConfig config, String offsetStoreId) {
        SourceConfig source = config.source();
        Properties p = new Properties();
        p.setProperty("name", connectorName(source.slot()));
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("topic.prefix", TOPIC_PREFIX);

        p.setProperty("database.hostname", source.postgres().host());
        p.setProperty("database.port", String.valueOf(source.postgres().port()));
        p.setProperty("database.dbname", source.postgres().database());
        p.setProperty("database.user", source.postgres().user());
        p.setProperty("database.password", source.postgres().password().reveal());
        p.setProperty("database.sslmode", source.postgres().sslMode());
        if (source.postgres().sslRootCert() != null) {
            p.setProperty("database.sslrootcert", source.postgres().sslRootCert());
        }

        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", source.slot());
        p.setProperty("slot.drop.on.stop", "false");
        p.setProperty("publication.name", source.publication());
        // StartupChecks creates and corrects the publication for exactly the configured tables.
        p.setProperty("publication.autocreate.mode", "disabled");
        p.setProperty("table.include.list", tableIncludeList(source.tables()));
        p.setProperty("snapshot.mode", source.snapshot().equals("initial") ? "initial" : "no_data");

        // Sequence within the transaction (total_order), kept in offsets across restarts.
        p.setProperty("provide.transaction.metadata", "true");
        p.setProperty("tombstones.on.delete", "false");
        p.setProperty("skipped.operations", "none"); // Debezium skips TRUNCATE by default

        // Not "precise": in that mode Debezium turns numeric NaN and ±Infinity into NULL (with a warning),
        // silently. As text every numeric value stays exact and the special values survive; the source type
        // travels as a schema parameter so RecordConverter turns the text back into a BigDecimal.
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("datatype.propagate.source.type", NUMERIC_TYPES);
        p.setProperty("time.precision.mode", "adaptive_time_microseconds");
        p.setProperty("interval.handling.mode", "string");
        p.setProperty("hstore.handling.mode", "json");
        p.setProperty("binary.handling.mode", "bytes");
        p.setProperty("include.unknown.datatypes", "true");
        p.setProperty("converters", ConnectorContract.ARRAY_CONVERTER_NAME);
        p.setProperty(ConnectorContract.ARRAY_CONVERTER_NAME + ".type", ConnectorContract.ARRAY_CONVERTER_CLASS);
        p.setProperty("unavailable.value.placeholder", ConnectorContract.UNCHANGED_TOAST_PLACEHOLDER);
        p.setProperty("message.prefix.include.list", FENCE_MESSAGE_PREFIX);

        p.setProperty("poll.interval.ms", String.valueOf(source.pollInterval().toMillis()));
        p.setProperty("max.batch.size", String.valueOf(source.maxBatchSize()));
        p.setProperty("max.queue.size", String.valueOf(source.maxQueueSize()));
        // Bounds the queue's memory as well as its length: 32,768 rows with 10 kB TOASTed values would be 330 MB.
        p.setProperty("max.queue.size.in.bytes", String.valueOf(MAX_QUEUE_BYTES));
        p.setProperty(
                "heartbeat.interval.ms",
                String.valueOf(source.heartbeatInterval().toMillis()));
        // A heartbeat alone does not move the slot: pgoutput sends nothing for transactions that touch no
        // published table, so with idle captured tables the connector has no newer LSN to confirm and the
        // slot retains all WAL the rest of the database writes. Each heartbeat therefore also commits a
        // logical message (the fence prefix, which the stream already delivers; transactional, so its commit
        // flushes it to the walsender like the fence's); its LSN reaches every lane, and committing it
        // advances confirmed_flush_lsn. Needs no table. Proven by IdleSlotIT.
        p.setProperty("heartbeat.action.query", HEARTBEAT_ACTION_QUERY);
        p.setProperty("status.update.interval.ms", "1000");

        // Offsets are written after every batch the pipeline has fully applied.
        p.setProperty("offset.flush.interval.ms", "0");
        p.setProperty("offset.flush.timeout.ms", "30000");
        if (config.offsets().inPostgres()) {
            p.setProperty("offset.storage", PostgresOffsetBackingStore.class.getName());
            p.setProperty(PostgresOffsetBackingStore.STORE_ID, offsetStoreId);
        } else {
            p.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
            p.setProperty(
                    "offset.storage.file.filename",
                    config.offsets().path().toAbsolutePath().toString());
        }
        p.setProperty("record.processing.order", "ORDERED");
        p.setProperty("errors.max.retries", "-1");
        p.setProperty("errors.retry.delay.initial.ms", "500");
        p.setProperty("errors.retry.delay.max.ms", "10000");
        return p;
    }

    /** The connector's name, which keys its offsets in every store. */
    static String connectorName(String slot) {
        return "cdc-fanout-" + slot;
    }

    static String tableIncludeList(java.util.List<TableId> tables) {
        return tables.stream().map(t -> t.schema() + "\\." + t.table()).collect(Collectors.joining(","));
    }
}
