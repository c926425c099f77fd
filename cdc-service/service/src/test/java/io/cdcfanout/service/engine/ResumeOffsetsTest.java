package io.cdcfanout.service.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.connector.postgresql.connection.Lsn;
import io.debezium.connector.postgresql.connection.ReplicationMessage;
import io.debezium.connector.postgresql.connection.ReplicationMessage.Operation;
import io.debezium.connector.postgresql.connection.WalPositionLocator;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ResumeOffsetsTest {

    @Test
    void aChangeOffsetBecomesTheEndOfThePreviousTransaction() {
        Map<String, Object> change = Map.of(
                "lsn",
                500L,
                "lsn_proc",
                500L,
                "lsn_commit",
                200L,
                "messageType",
                "INSERT",
                "txId",
                42L,
                "ts_usec",
                1_000L,
                "transaction_id",
                "42:500",
                "transaction_data_collection_order_public.t",
                3L);

        assertThat(ResumeOffsets.atTransactionBoundary(change))
                .contains(Map.of("lsn", 200L, "lsn_commit", 200L, "txId", 42L, "ts_usec", 1_000L));
    }

    @Test
    void aCommitOffsetResumesRightAfterThatCommit() {
        Map<String, Object> commit = Map.of("lsn", 300L, "lsn_proc", 300L, "lsn_commit", 300L, "messageType", "COMMIT");

        assertThat(ResumeOffsets.atTransactionBoundary(commit)).contains(Map.of("lsn", 300L, "lsn_commit", 300L));
    }

    @Test
    void snapshotOffsetsNameNoChangeAndStayAsTheyAre() {
        Map<String, Object> snapshot =
                Map.of("lsn", 100L, "snapshot", "INITIAL", "last_snapshot_record", true, "snapshot_completed", false);

        assertThat(ResumeOffsets.atTransactionBoundary(snapshot)).contains(snapshot);
    }

    @Test
    void aChangeBeforeAnyKnownCommitKeepsThePreviousOffset() {
        assertThat(ResumeOffsets.atTransactionBoundary(Map.of("lsn", 500L, "lsn_proc", 500L)))
                .isEmpty();
    }

    /**
     * Why offsets never name a change: transaction B began before A committed, so one of B's changes sits at
     * A's end LSN (200). Debezium's offset after A names 200 as its last change; on restart, its search
     * treats B's change at 200 as that change and filters out all of B before B's commit.
     */
    @Test
    void debeziumsSearchDropsAnUnappliedTransactionWhenAChangeOffsetIsStored() {
        WalPositionLocator locator = new WalPositionLocator(Lsn.valueOf(200L), Lsn.valueOf(200L), Operation.COMMIT);
        List<Object[]> unappliedB = List.of(
                new Object[] {100L, Operation.BEGIN}, new Object[] {100L, Operation.INSERT},
                new Object[] {200L, Operation.INSERT}, new Object[] {300L, Operation.COMMIT});

        Optional<Lsn> resumeAt = Optional.empty();
        for (Object[] m : unappliedB) {
            resumeAt = locator.resumeFromLsn(Lsn.valueOf((Long) m[0]), message((Operation) m[1]));
            if (resumeAt.isPresent()) {
                break;
            }
        }
        locator.enableFiltering();
        List<Operation> delivered = new ArrayList<>();
        for (Object[] m : unappliedB) {
            if (!locator.skipMessage(Lsn.valueOf((Long) m[0]))) {
                delivered.add((Operation) m[1]);
            }
        }

        assertThat(resumeAt).contains(Lsn.valueOf(300L));
        assertThat(delivered).as("B's inserts are filtered out").containsExactly(Operation.COMMIT);
    }

    private static ReplicationMessage message(Operation operation) {
        return (ReplicationMessage) Proxy.newProxyInstance(
                ReplicationMessage.class.getClassLoader(),
                new Class<?>[] {ReplicationMessage.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getOperation" -> operation;
                    case "isTransactionalMessage" -> operation == Operation.BEGIN || operation == Operation.COMMIT;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
