package io.cdcfanout.service.source.kafka;

import io.cdcfanout.service.config.KafkaSourceConfig;
import io.cdcfanout.service.config.ServiceConfig;
import io.cdcfanout.service.engine.StartupException;
import io.cdcfanout.service.http.KafkaSourceStatus;
import io.cdcfanout.service.pipeline.DecodedBatch;
import io.cdcfanout.service.pipeline.Pipeline;
import io.cdcfanout.service.privacy.ColumnPolicy;
import io.cdcfanout.service.source.ChangeSource;
import io.cdcfanout.service.source.SourceRecordDecoder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.connect.errors.DataException;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code source.kafka}: the changes Debezium's Postgres connector wrote, in a Kafka Connect worker, to one
 * single-partition topic, read by assignment (no consumer group: every sidecar reads the whole topic and keeps its
 * own position in its {@link PositionStore}) and handed to the same pipeline as the embedded engine's.
 *
 * <p>{@link #start} fixes where reading begins ({@link StartPosition}: the stored position, or the topic's start or
 * end on a first start) before any sink starts. The source thread then polls, reads each record back
 * ({@link TopicRecordDecoder}), checks it against the connector contract ({@link ConnectorContractCheck}), cuts
 * batches at transaction boundaries ({@link TransactionBatcher}) and hands them to the pipeline; a batch's
 * acknowledgement stores the offset after its newest boundary. Records the topic no longer holds (retention) stop
 * the source with how to rebuild; nothing is skipped ({@code auto.offset.reset=none}).
 */
public final class KafkaChangeSource implements ChangeSource {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaChangeSource.class);

    /** How long a graceful stop waits for the batch in hand before leaving it unacknowledged. */
    static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(20);

    /** How long start-up waits for the brokers. */
    static final Duration BROKER_TIMEOUT = Duration.ofSeconds(30);

    private final ServiceConfig config;
    private final KafkaSourceConfig kafka;
    private final TopicPartition partition;
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final CompletableFuture<Void> pollingAllowed = new CompletableFuture<>();
    private final Thread thread;
    private volatile boolean streaming;
    private volatile boolean stopRequested;
    // for /status only: written by the source thread (and the acknowledging lane), read by HTTP threads
    private volatile long storedOffset = -1;
    private volatile long nextOffset = -1;
    private volatile long endOffset = -1;
    private PositionStore positions;
    private KafkaConsumer<byte[], byte[]> consumer;
    private Pipeline pipeline;
    private SourceRecordDecoder recordDecoder;

    public KafkaChangeSource(ServiceConfig config) {
        this.config = config;
        this.kafka = config.source().kafka();
        this.partition = new TopicPartition(kafka.topic(), 0);
        this.thread = new Thread(this::run, "kafka-source");
    }

    /**
     * Connects, checks the topic, and seeks to where reading begins; the thread starts but hands over nothing
     * before {@link #startPolling()}.
     *
     * @throws StartupException when the brokers cannot be reached, the topic is missing or has more than one
     *                          partition, or the position this sidecar needs is no longer in the topic
     */
    @Override
    public synchronized void start(Pipeline pipeline, ColumnPolicy columnPolicy) {
        if (consumer != null) {
            throw new IllegalStateException("the Kafka source runs already");
        }
        this.pipeline = pipeline;
        this.recordDecoder = new SourceRecordDecoder(columnPolicy);
        if (kafka.connectorUrl() != null) {
            ConnectorConfigCheck.check(kafka.connectorUrl());
        }
        this.positions = PositionStore.of(config);
        this.consumer =
                new KafkaConsumer<>(consumerProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
        long start = seekStart();
        thread.start();
        LOG.info("reading {} from offset {}", partition, start);
    }

    Map<String, Object> consumerProperties() {
        Map<String, Object> p = kafka.clientProperties();
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "cdc-fanout-" + kafka.instance());
        // by assignment, with the position in the sidecar's own store: no group, nothing committed to Kafka
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none"); // a position off the topic fails, never skips
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // aborted writes of an exactly-once worker
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.source().maxBatchSize());
        return p;
    }

    private long seekStart() {
        List<PartitionInfo> partitions;
        try {
            partitions = consumer.partitionsFor(kafka.topic(), BROKER_TIMEOUT);
        } catch (KafkaException e) {
            throw new StartupException(
                    "cannot reach Kafka at " + kafka.bootstrapServers() + " within " + BROKER_TIMEOUT.toSeconds()
                            + " s (source.kafka.bootstrap-servers, source.kafka.security): " + e,
                    e);
        }
        if (partitions == null || partitions.isEmpty()) {
            throw new StartupException("topic " + kafka.topic() + " does not exist on " + kafka.bootstrapServers()
                    + ": deploy the Debezium connector (compose/connect/cdc-fanout-source.json) first, or fix"
                    + " source.kafka.topic");
        }
        if (partitions.size() != 1) {
            throw new StartupException("topic " + kafka.topic() + " has " + partitions.size() + " partitions; this"
                    + " mode needs exactly one, so that every sidecar reads the changes in commit order: let the"
                    + " connector create it with topic.creation.default.partitions=1");
        }
        consumer.assign(List.of(partition));
        long earliest;
        long end;
        try {
            earliest = consumer.beginningOffsets(List.of(partition), BROKER_TIMEOUT)
                    .get(partition);
            end = consumer.endOffsets(List.of(partition), BROKER_TIMEOUT).get(partition);
        } catch (KafkaException e) {
            throw new StartupException("cannot read the offsets of " + partition + ": " + e, e);
        }
        OptionalLong stored = positions.load();
        storedOffset = stored.orElse(-1);
        endOffset = end;
        long start = StartPosition.resolve(
                stored, earliest, end, config.source().snapshot(), kafka.topic(), positions.deleteHint());
        consumer.seek(partition, start);
        nextOffset = start;
        LOG.info(
                "{}: {} (the topic holds offsets {} to {})",
                partition,
                stored.isPresent()
                        ? "resuming at the stored position " + start
                        : "first start (source.snapshot: " + config.source().snapshot() + ") at " + start,
                earliest,
                end);
        return start;
    }

    @Override
    public void awaitSourceStarted() {
        // start() has fixed the position already
    }

    @Override
    public void startPolling() {
        pollingAllowed.complete(null);
    }

    private void run() {
        try {
            pollingAllowed.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            terminated.complete(null);
            return;
        } catch (ExecutionException | CancellationException e) {
            terminated.complete(null); // stopped before polling
            return;
        }
        streaming = true;
        TransactionBatcher batcher = new TransactionBatcher(config.source().maxBatchSize());
        TopicRecordDecoder decoder = new TopicRecordDecoder();
        ConnectorContractCheck contract = new ConnectorContractCheck(kafka.topic());
        try {
            while (!stopRequested) {
                ConsumerRecords<byte[], byte[]> records =
                        consumer.poll(config.source().pollInterval());
                notePosition();
                for (ConsumerRecord<byte[], byte[]> consumed : records) {
                    TopicRecord record = read(decoder, consumed);
                    contract.check(record);
                    batcher.add(record);
                    for (TransactionBatcher.Batch batch = batcher.take(); batch != null; batch = batcher.take()) {
                        hand(batch);
                    }
                }
            }
            terminated.complete(null);
        } catch (WakeupException e) {
            terminated.complete(null); // close() asked
        } catch (OffsetOutOfRangeException e) {
            RuntimeException failure = fellOffRetention(e);
            LOG.error("{}", failure.getMessage());
            terminated.completeExceptionally(failure);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            terminated.complete(null);
        } catch (RuntimeException e) {
            if (stopRequested) {
                terminated.complete(null);
            } else {
                LOG.error("the Kafka source failed: {}", e.getMessage(), e);
                terminated.completeExceptionally(e);
            }
        } finally {
            streaming = false;
        }
    }

    /** After a poll: the consumer's position, and the end offset from the lag the last fetch reported. */
    private void notePosition() {
        long position = consumer.position(partition);
        nextOffset = position;
        OptionalLong lag = consumer.currentLag(partition);
        if (lag.isPresent()) {
            endOffset = position + lag.getAsLong();
        }
    }

    /** Where this sidecar is in the topic, for {@code /status}; safe from any thread. */
    public KafkaSourceStatus status() {
        return KafkaSourceStatus.of(
                partition.topic(), partition.partition(), kafka.instance(), storedOffset, nextOffset, endOffset);
    }

    private TopicRecord read(TopicRecordDecoder decoder, ConsumerRecord<byte[], byte[]> consumed) {
        try {
            return decoder.decode(consumed);
        } catch (DataException e) {
            throw new ConnectorContractException("record at offset " + consumed.offset() + " of " + kafka.topic()
                    + " is not JSON with schemas (" + e.getMessage() + "): set key.converter and value.converter to"
                    + " org.apache.kafka.connect.json.JsonConverter with key.converter.schemas.enable=true and"
                    + " value.converter.schemas.enable=true in the Debezium connector's configuration"
                    + " (compose/connect/cdc-fanout-source.json)");
        }
    }

    private void hand(TransactionBatcher.Batch batch) throws InterruptedException {
        List<SourceRecord> records =
                batch.records().stream().map(TopicRecord::record).toList();
        DecodedBatch decoded = recordDecoder.decode(records);
        long resume = batch.resumeOffset();
        pipeline.accept(decoded, () -> {
            if (resume >= 0) {
                positions.save(resume);
                storedOffset = resume;
            }
        });
    }

    private RuntimeException fellOffRetention(OffsetOutOfRangeException e) {
        Long position = e.offsetOutOfRangePartitions().get(partition);
        try {
            long earliest = consumer.beginningOffsets(List.of(partition), BROKER_TIMEOUT)
                    .get(partition);
            long end = consumer.endOffsets(List.of(partition), BROKER_TIMEOUT).get(partition);
            StartPosition.resolve(
                    OptionalLong.of(position == null ? -1 : position),
                    earliest,
                    end,
                    config.source().snapshot(),
                    kafka.topic(),
                    positions.deleteHint());
        } catch (StartupException refused) {
            return refused;
        } catch (KafkaException other) {
            e.addSuppressed(other);
        }
        return new StartupException(
                "the position of this sidecar (offset " + position + " of " + partition + ") is no longer in the"
                        + " topic (retention deleted it before it was read); nothing was skipped. Rebuild as for a"
                        + " first start: delete the derived state and the position (" + positions.deleteHint() + ")",
                e);
    }

    @Override
    public boolean streaming() {
        return streaming;
    }

    @Override
    public CompletableFuture<Void> termination() {
        return terminated;
    }

    /**
     * Stops gracefully: the source thread finishes the batch it is handing over and stops polling, then the batch
     * still in flight is applied and its position stored. A sink stuck retrying would hold that forever, so after
     * {@link #SHUTDOWN_GRACE} the pipeline is closed and the batch left unacknowledged, to be read again on
     * restart. Safe to call more than once, and before {@link #start}.
     */
    @Override
    public synchronized void close() {
        stopRequested = true;
        pollingAllowed.cancel(false);
        if (consumer != null) {
            consumer.wakeup();
            pipeline.resumeAll();
            try {
                if (thread.isAlive()) {
                    thread.join(SHUTDOWN_GRACE.toMillis());
                }
                if (thread.isAlive()) {
                    LOG.warn(
                            "the batch in hand was not applied within {} s; stopping without storing its position",
                            SHUTDOWN_GRACE.toSeconds());
                    pipeline.close();
                    thread.interrupt();
                    thread.join(SHUTDOWN_GRACE.toMillis());
                } else {
                    pipeline.finishInFlight();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.warn("the batch in flight failed while stopping; it is read again on restart: {}", e.toString());
            }
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("Kafka consumer did not close cleanly: {}", e.toString());
            }
            consumer = null;
        }
        if (positions != null) {
            positions.close();
        }
        terminated.complete(null);
    }
}
