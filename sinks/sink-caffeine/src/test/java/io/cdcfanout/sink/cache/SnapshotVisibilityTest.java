package io.cdcfanout.sink.cache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SnapshotVisibilityTest {

    @Test
    void seesTransactionsCommittedBeforeTheSnapshotOnly() {
        SnapshotVisibility snapshot = SnapshotVisibility.parse("100:105:101,103");
        assertThat(snapshot.sawTransaction(99)).isTrue();
        assertThat(snapshot.sawTransaction(100)).isTrue();
        assertThat(snapshot.sawTransaction(101))
                .as("in progress when the snapshot was taken")
                .isFalse();
        assertThat(snapshot.sawTransaction(102)).isTrue();
        assertThat(snapshot.sawTransaction(105)).isFalse();
        assertThat(snapshot.startedAfter(105)).isTrue();
        assertThat(snapshot.startedAfter(104)).isFalse();
    }

    @Test
    void widensWalXidsWithTheSnapshotsEpoch() {
        long epoch = 3L << 32;
        SnapshotVisibility snapshot = SnapshotVisibility.parse((epoch + 10) + ":" + (epoch + 20) + ":");
        assertThat(snapshot.sawTransaction(15)).isTrue();
        assertThat(snapshot.sawTransaction(25)).isFalse();
        assertThat(snapshot.sawTransaction(0xFFFFFFF0L))
                .as("an id from the previous epoch")
                .isTrue();
    }
}
