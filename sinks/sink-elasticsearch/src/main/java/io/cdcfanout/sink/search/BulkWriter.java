package io.cdcfanout.sink.search;

import co.elastic.clients.elasticsearch.ElasticsearchClient;
import co.elastic.clients.elasticsearch._types.ElasticsearchException;
import co.elastic.clients.elasticsearch._types.VersionType;
import co.elastic.clients.elasticsearch.core.BulkRequest;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.util.BinaryData;
import io.cdcfanout.sink.RetryableSinkException;
import io.cdcfanout.sink.search.ElasticsearchErrors.Outcome;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig.BulkOptions;
import io.cdcfanout.sink.search.ElasticsearchSinkConfig.Refresh;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends document writes with the bulk API: per index, cut by {@link BulkOptions} into requests of bounded
 * actions and bytes, at most {@code concurrency} requests in flight. Each write is an {@code index} action
 * with {@code version_type=external_gte} and {@code version=LSN}, so a replay or a stale write loses to what
 * the index holds (reported as {@link Outcome#STALE}). Writes go through the alias with
 * {@code require_alias=true}, so a deleted alias fails loudly instead of auto-creating an unmapped index.
 *
 * <p>Callers must not pass two writes for one document (see {@link ChangeCoalescer}): requests run in
 * parallel and their relative order is not defined.
 *
 * <p>{@link #write} (and {@link Session#finish}) return only after every request of the call has finished,
 * also when one failed, so a retry of the batch never races writes of the previous attempt.
 */
final class BulkWriter implements AutoCloseable {

    /** What became of one write. {@code reason} is set for {@link Outcome#REJECTED} and {@link Outcome#RETRYABLE}. */
    record ItemResult(DocumentWrite write, Outcome outcome, String reason) {}

    private final ElasticsearchClient client;
    private final BulkOptions options;
    private final Refresh refresh;
    private final ElasticsearchSinkMetrics metrics;
    private final ExecutorService executor;
    // concrete indexes written by name (a rebuild's new generation); every other name must be an alias
    private final Set<String> concreteTargets = ConcurrentHashMap.newKeySet();

    BulkWriter(
            ElasticsearchClient client,
            BulkOptions options,
            Refresh refresh,
            ElasticsearchSinkMetrics metrics,
            String sinkName) {
        this.client = client;
        this.options = options;
        this.refresh = refresh;
        this.metrics = metrics;
        AtomicInteger threads = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(options.concurrency(), r -> {
            Thread t = new Thread(r, "es-sink-" + sinkName + "-bulk-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Writes the documents; see the class contract.
     *
     * @return one result per write, APPLIED, STALE or REJECTED
     * @throws RetryableSinkException when a request could not be sent or answered, or any item failed
     *                                transiently; writes of the same call may or may not have been applied
     */
    List<ItemResult> write(List<DocumentWrite> writes) throws RetryableSinkException {
        Session session = session();
        try {
            writes.forEach(session::add);
        } catch (RuntimeException e) {
            session.abandon();
            throw e;
        }
        return session.finish();
    }

    /**
     * Starts a write whose documents are {@link Session#add added} one by one: each request goes out as soon as
     * it is full, so Elasticsearch indexes the first while the caller renders the next.
     */
    /** Lets writes name {@code concrete} directly (it is not an alias) until {@link #forgetConcrete}. */
    void allowConcrete(String concrete) {
        concreteTargets.add(concrete);
    }

    void forgetConcrete(String concrete) {
        concreteTargets.remove(concrete);
    }

    Session session() {
        return new Session();
    }

    /** The writes of one call. Call {@link #finish} (or {@link #abandon}) once, on the thread that added. */
    final class Session {

        private final Map<String, BulkChunker<DocumentWrite>> chunkers = new LinkedHashMap<>();
        private final List<Future<List<ItemResult>>> requests = new ArrayList<>();

        private Session() {}

        void add(DocumentWrite write) {
            chunkers.computeIfAbsent(
                            write.index(),
                            index -> new BulkChunker<>(
                                    DocumentWrite::sizeBytes,
                                    options.maxActions(),
                                    options.maxBytes(),
                                    chunk -> requests.add(executor.submit(() -> send(chunk)))))
                    .add(write);
        }

        /**
         * Sends what is left and waits for every request.
         *
         * @return one result per write added, APPLIED, STALE or REJECTED
         * @throws RetryableSinkException as {@link BulkWriter#write}
         */
        List<ItemResult> finish() throws RetryableSinkException {
            chunkers.values().forEach(BulkChunker::flush);
            List<ItemResult> results = new ArrayList<>();
            RetryableSinkException failure = null;
            for (Future<List<ItemResult>> request : requests) {
                try {
                    results.addAll(request.get());
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    RetryableSinkException retryable = cause instanceof RetryableSinkException r
                            ? r
                            : new RetryableSinkException("bulk request failed unexpectedly: " + cause, cause);
                    if (failure == null) {
                        failure = retryable;
                    } else {
                        failure.addSuppressed(retryable);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    requests.forEach(f -> f.cancel(true));
                    throw new RetryableSinkException("interrupted while waiting for bulk requests", e);
                }
            }
            if (failure != null) {
                throw failure;
            }
            List<String> transient_ = results.stream()
                    .filter(r -> r.outcome() == Outcome.RETRYABLE)
                    .map(r -> r.write().index() + "/" + r.write().id() + ": " + r.reason())
                    .limit(5)
                    .toList();
            if (!transient_.isEmpty()) {
                throw new RetryableSinkException(
                        "Elasticsearch refused some documents for a transient reason; the batch will be"
                                + " retried (replays are idempotent). First ones: " + transient_);
            }
            return results;
        }

        /** Waits for the requests already sent, so that a failed call never leaves writes running behind it. */
        void abandon() {
            for (Future<List<ItemResult>> request : requests) {
                try {
                    request.get();
                } catch (ExecutionException ignored) {
                    // the caller reports its own failure; this one changes nothing about the retry
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    requests.forEach(f -> f.cancel(true));
                    return;
                }
            }
        }
    }

    private List<ItemResult> send(List<DocumentWrite> chunk) throws RetryableSinkException {
        String index = chunk.get(0).index();
        ElasticsearchSinkMetrics.Meters meters = metrics.index(index);
        BulkRequest request = BulkRequest.of(b -> {
            b.index(index).requireAlias(!concreteTargets.contains(index));
            if (refresh == Refresh.WAIT_FOR) {
                b.refresh(co.elastic.clients.elasticsearch._types.Refresh.WaitFor);
            }
            for (DocumentWrite write : chunk) {
                b.operations(op -> op.index(i -> i.id(write.id())
                        .version(write.version())
                        .versionType(VersionType.ExternalGte)
                        .document(BinaryData.of(write.source(), "application/json"))));
            }
            return b;
        });
        BulkResponse response;
        Timer.Sample sample = Timer.start();
        try {
            meters.bulkRequests().increment();
            response = client.bulk(request);
        } catch (ElasticsearchException e) {
            if (ElasticsearchErrors.isRequestRejection(e)) {
                return isolate(chunk, e);
            }
            throw new RetryableSinkException(
                    "Elasticsearch refused a bulk request to '" + index + "': " + ElasticsearchErrors.describe(e), e);
        } catch (IOException e) {
            throw new RetryableSinkException(
                    "cannot reach Elasticsearch for a bulk request to '" + index + "': " + e, e);
        } finally {
            sample.stop(meters.bulkLatency());
        }
        List<BulkResponseItem> items = response.items();
        if (items.size() != chunk.size()) {
            throw new RetryableSinkException(
                    "bulk response has " + items.size() + " items for " + chunk.size() + " actions");
        }
        List<ItemResult> results = new ArrayList<>(chunk.size());
        for (int i = 0; i < chunk.size(); i++) {
            BulkResponseItem item = items.get(i);
            DocumentWrite write = chunk.get(i);
            String errorType = item.error() == null ? null : item.error().type();
            Outcome outcome = ElasticsearchErrors.classifyItem(item.status(), errorType);
            String reason = item.error() == null ? null : ElasticsearchErrors.describe(item.error());
            results.add(new ItemResult(write, outcome, reason));
        }
        return results;
    }

    /** A whole request refused as malformed or too large: send halves until the offending documents stand alone. */
    private List<ItemResult> isolate(List<DocumentWrite> chunk, ElasticsearchException e)
            throws RetryableSinkException {
        if (chunk.size() == 1) {
            return List.of(new ItemResult(chunk.get(0), Outcome.REJECTED, ElasticsearchErrors.describe(e)));
        }
        int half = chunk.size() / 2;
        List<ItemResult> results = new ArrayList<>(send(chunk.subList(0, half)));
        results.addAll(send(chunk.subList(half, chunk.size())));
        return results;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
