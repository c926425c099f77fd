package io.cdcfanout.connect;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    @Test
    void theCeilingDoublesFrom100msUpToTheMaximum() {
        Backoff backoff = new Backoff(Duration.ofMillis(1000), () -> 0.999_999);

        assertThat(backoff.next()).isEqualTo(Duration.ofMillis(100));
        assertThat(backoff.next()).isEqualTo(Duration.ofMillis(200));
        assertThat(backoff.next()).isEqualTo(Duration.ofMillis(400));
        assertThat(backoff.next()).isEqualTo(Duration.ofMillis(800));
        assertThat(backoff.next()).isEqualTo(Duration.ofMillis(1000));
        assertThat(backoff.next()).isEqualTo(Duration.ofMillis(1000));
        assertThat(backoff.failures()).isEqualTo(6);
    }

    @Test
    void jitterWaitsBetweenHalfAndAllOfTheCeiling() {
        assertThat(new Backoff(Duration.ofSeconds(10), () -> 0.0).next()).isEqualTo(Duration.ofMillis(50));
        assertThat(new Backoff(Duration.ofSeconds(10), () -> 0.5).next()).isEqualTo(Duration.ofMillis(75));
    }

    @Test
    void aSuccessStartsOverAtTheInitialWait() {
        Backoff backoff = new Backoff(Duration.ofSeconds(10), () -> 0.999_999);
        backoff.next();
        backoff.next();
        backoff.next();

        backoff.reset();

        assertThat(backoff.failures()).isZero();
        assertThat(backoff.next()).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void manyFailuresDoNotOverflow() {
        Backoff backoff = new Backoff(Duration.ofSeconds(10), () -> 0.999_999);
        for (int i = 0; i < 200; i++) {
            backoff.next();
        }
        assertThat(backoff.next()).isEqualTo(Duration.ofSeconds(10));
    }
}
