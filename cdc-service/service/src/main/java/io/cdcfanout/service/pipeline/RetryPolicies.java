package io.cdcfanout.service.pipeline;

import dev.failsafe.RetryPolicy;
import dev.failsafe.RetryPolicyBuilder;
import java.time.Duration;

/** The one retry schedule every sink shares: exponential backoff with jitter, forever. */
final class RetryPolicies {

    static final Duration FIRST_DELAY = Duration.ofMillis(100);
    static final Duration MAX_DELAY = Duration.ofSeconds(10);

    private RetryPolicies() {}

    static <R> RetryPolicyBuilder<R> forever(Class<? extends Throwable> retryOn) {
        return RetryPolicy.<R>builder()
                .handle(retryOn)
                .withBackoff(FIRST_DELAY, MAX_DELAY)
                .withJitter(0.25)
                .withMaxRetries(-1);
    }
}
