package io.cdcfanout.service.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class CoalescedCallTest {

    private final AtomicInteger calls = new AtomicInteger();
    private final Semaphore release = new Semaphore(0);
    private final CountDownLatch firstStarted = new CountDownLatch(1);

    private Integer blockingCall() throws InterruptedException {
        int n = calls.incrementAndGet();
        firstStarted.countDown();
        release.acquire();
        return n;
    }

    @Test
    void requestersArrivingDuringACallShareTheNextCallNotTheRunningOne() throws Exception {
        try (CoalescedCall<Integer> call = new CoalescedCall<>("test-call", this::blockingCall)) {
            CompletableFuture<Integer> first = call.request();
            firstStarted.await();
            CompletableFuture<Integer> second = call.request();
            CompletableFuture<Integer> third = call.request();

            assertThat(second).isSameAs(third).isNotSameAs(first);
            release.release(2);
            assertThat(first.get()).isEqualTo(1);
            assertThat(second.get())
                    .as("served by a call started after it asked")
                    .isEqualTo(2);
            assertThat(third.get()).isEqualTo(2);
            assertThat(calls).hasValue(2);
        }
    }

    @Test
    void aRequestWhenIdleStartsACallAndAFailureReachesItsRequesters() throws Exception {
        try (CoalescedCall<Integer> call = new CoalescedCall<>("test-call", () -> {
            throw new IllegalStateException("source down");
        })) {
            assertThatThrownBy(() -> call.request().get())
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("source down");
            assertThatThrownBy(() -> call.request().get())
                    .as("the next request calls again")
                    .hasMessageContaining("source down");
        }
    }
}
