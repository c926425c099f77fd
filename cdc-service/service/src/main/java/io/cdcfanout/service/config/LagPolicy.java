package io.cdcfanout.service.config;

import java.time.Duration;
import java.util.Objects;

/**
 * What the pipeline does when one sink cannot keep up because its backend fails: every batch waits for every sink,
 * so one sink down holds the slot, and Postgres keeps the WAL for it.
 *
 * <p>{@code wait} (the default for the cache and history sinks) holds the stream until the sink is back: nothing is
 * lost, and WAL grows meanwhile. {@code detach} (the default for Elasticsearch) sets the sink aside once it is past
 * its budget: the other sinks and the slot move on, and when its backend answers again the sink is rebuilt from the
 * tables (a zero-downtime rebuild for Elasticsearch) and re-attached. History defaults to {@code wait} because a
 * detached history loses the intermediate versions of every row changed meanwhile (a rebuild gives it one version
 * per changed row); the cache lives in the process, so it never waits for a backend.
 *
 * @param onLag        wait or detach
 * @param maxLagBytes  with detach: WAL bytes the sink may fall behind (the source's current position minus the
 *                     sink's last applied); 0 for no byte budget
 * @param maxLagTime   with detach: how old its oldest unapplied change may get; null for no time budget
 */
public record LagPolicy(OnLag onLag, long maxLagBytes, Duration maxLagTime) {

    public enum OnLag {
        WAIT,
        DETACH
    }

    /** The budget {@code detach} has when {@code max-lag} is not given. */
    public static final long DEFAULT_MAX_LAG_BYTES = 1L << 30;

    public static final Duration DEFAULT_MAX_LAG_TIME = Duration.ofMinutes(15);

    public static final LagPolicy WAIT = new LagPolicy(OnLag.WAIT, 0, null);

    public LagPolicy {
        Objects.requireNonNull(onLag, "onLag");
        if (onLag == OnLag.DETACH && maxLagBytes <= 0 && maxLagTime == null) {
            throw new IllegalArgumentException("'max-lag' of a detaching sink needs 'wal' or 'time'");
        }
    }

    /** {@code detach} with the default budget. */
    public static LagPolicy detachByDefault() {
        return new LagPolicy(OnLag.DETACH, DEFAULT_MAX_LAG_BYTES, DEFAULT_MAX_LAG_TIME);
    }

    /** The default for a sink type (see the class comment for why). */
    public static LagPolicy defaultFor(String sinkType) {
        return "elasticsearch".equals(sinkType) ? detachByDefault() : WAIT;
    }

    public boolean detaches() {
        return onLag == OnLag.DETACH;
    }
}
