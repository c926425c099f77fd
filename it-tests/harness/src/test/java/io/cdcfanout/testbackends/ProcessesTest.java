package io.cdcfanout.testbackends;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcessesTest {

    @Test
    void stopTreeLeavesNoProcessOfTheTreeEvenWhenSigtermIsIgnored() throws Exception {
        // the shell ignores SIGTERM (and so does its child, which inherits that): only SIGKILL ends them
        Process parent = new ProcessBuilder("sh", "-c", "trap '' TERM; sleep 300 & wait").start();
        ProcessHandle child = awaitChild(parent.toHandle());

        boolean graceful = Processes.stopTree(parent.toHandle(), Duration.ofSeconds(1));

        assertThat(child.isAlive()).isFalse();
        assertThat(parent.isAlive()).isFalse();
        assertThat(graceful)
                .as("SIGTERM was ignored, so the tree had to be killed")
                .isFalse();
    }

    @Test
    void stopTreeStopsAChildWhoseParentDoesNotForwardSigterm() throws Exception {
        // like Elasticsearch's launcher: the parent exits on SIGTERM without passing it on
        Process parent = new ProcessBuilder("sh", "-c", "sleep 300 & wait").start();
        ProcessHandle child = awaitChild(parent.toHandle());

        assertThat(Processes.stopTree(parent.toHandle(), Duration.ofSeconds(5))).isTrue();

        assertThat(child.isAlive()).isFalse();
    }

    @Test
    void runReportsTheOutputOfAFailedCommand() {
        try {
            Processes.run(List.of("sh", "-c", "echo broken >&2; exit 4"), Map.of(), Duration.ofSeconds(10));
        } catch (IllegalStateException e) {
            assertThat(e).hasMessageContaining("exit code 4").hasMessageContaining("broken");
            return;
        }
        throw new AssertionError("expected a failure");
    }

    private static ProcessHandle awaitChild(ProcessHandle parent) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            var children = parent.children().toList();
            if (!children.isEmpty()) {
                return children.get(0);
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no child process appeared");
    }
}
