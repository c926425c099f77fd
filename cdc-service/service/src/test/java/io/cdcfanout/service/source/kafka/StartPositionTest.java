package io.cdcfanout.service.source.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cdcfanout.service.engine.StartupException;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class StartPositionTest {

    private static long resolve(OptionalLong stored, long earliest, long end, String snapshot) {
        return StartPosition.resolve(stored, earliest, end, snapshot, "changes", "rm /var/lib/cdc/position");
    }

    @Test
    void aStoredPositionTheTopicStillHoldsIsWhereReadingResumes() {
        assertThat(resolve(OptionalLong.of(40), 10, 90, "initial")).isEqualTo(40);
        assertThat(resolve(OptionalLong.of(10), 10, 90, "never"))
                .as("the earliest record itself")
                .isEqualTo(10);
        assertThat(resolve(OptionalLong.of(90), 10, 90, "initial"))
                .as("nothing new")
                .isEqualTo(90);
    }

    @Test
    void aPositionThatFellOffRetentionIsRefusedWithHowToRebuild() {
        assertThatThrownBy(() -> resolve(OptionalLong.of(9), 10, 90, "initial"))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("offset 9 of changes-0")
                .hasMessageContaining("fell off the topic's retention")
                .hasMessageContaining("earliest offset still held is 10")
                .hasMessageContaining("1 record(s) were deleted")
                .hasMessageContaining("rm /var/lib/cdc/position")
                .hasMessageContaining("retention.ms");
    }

    @Test
    void aPositionBeyondTheEndMeansAnotherTopic() {
        assertThatThrownBy(() -> resolve(OptionalLong.of(91), 0, 90, "initial"))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("beyond the topic's end (90)");
    }

    @Test
    void aFirstStartReadsTheSnapshotFromOffsetZeroOrBeginsAtTheEnd() {
        assertThat(resolve(OptionalLong.empty(), 0, 90, "initial")).isZero();
        assertThat(resolve(OptionalLong.empty(), 50, 90, "never")).isEqualTo(90);
        assertThatThrownBy(() -> resolve(OptionalLong.empty(), 50, 90, "initial"))
                .isInstanceOf(StartupException.class)
                .hasMessageContaining("needs the topic changes from offset 0")
                .hasMessageContaining("source.snapshot: never");
    }
}
