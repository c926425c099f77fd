package io.cdcfanout.connect;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter for redeliveries after a transient failure: the n-th consecutive failure waits
 * {@code min(max, 100 ms * 2^(n-1))}, scaled by a random factor in [0.5, 1.0). Pure apart from the injected
 * random source.
 */
final class Backoff {

    static final Duration INITIAL = Duration.ofMillis(100);

    private final Duration max;
    private final DoubleSupplier random;
    private int failures;

    /** @param random values in [0, 1), e.g. {@code ThreadLocalRandom.current()::nextDouble} */
    Backoff(Duration max, DoubleSupplier random) {
        this.max = max;
        this.random = random;
    }

    /** Counts one more failure and returns how long to wait before the next attempt. */
    Duration next() {
        failures++;
        long ceiling = INITIAL.toMillis();
        for (int i = 1; i < failures && ceiling < max.toMillis(); i++) {
            ceiling *= 2;
        }
        ceiling = Math.min(ceiling, max.toMillis());
        return Duration.ofMillis(Math.max(1, Math.round(ceiling * (0.5 + random.getAsDouble() / 2))));
    }

    /** Consecutive failures so far. */
    int failures() {
        return failures;
    }

    /** After a success: the next failure waits the initial time again. */
    void reset() {
        failures = 0;
    }
}
