package io.cdcfanout.service.privacy;

import com.fasterxml.jackson.databind.JsonNode;
import io.cdcfanout.schema.ChangeEvent;
import io.cdcfanout.schema.Row;
import io.cdcfanout.schema.TableId;
import io.cdcfanout.service.config.ColumnRules;
import io.cdcfanout.service.config.SourceConfig;
import io.cdcfanout.sink.RowPolicy;
import io.cdcfanout.sink.Secret;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Applies {@code source.columns}: drops excluded columns and replaces masked values by
 * {@code hex(HMAC-SHA256(mask-key, value))}, so personal data never reaches a sink or a dead letter.
 *
 * <p>Contract: pure and thread-safe. A table without rules, and every key column, pass unchanged
 * (start-up checks reject rules on key columns). {@code null} stays {@code null}. A masked column whose
 * TOASTed value was unchanged stays unknown; an excluded one disappears from the unknown columns too.
 * Equal values hash equally in every table, whatever the column, so masked columns remain joinable.
 * A value is hashed as its text: strings as UTF-8, {@code numeric} in plain notation
 * ({@code 1.50} and {@code 1.5} differ), json as compact JSON, bytea as its bytes.
 */
public final class ColumnPolicy implements RowPolicy {

    private static final String ALGORITHM = "HmacSHA256";

    private final Map<TableId, ColumnRules> rules;
    private final ThreadLocal<Mac> macs;

    private ColumnPolicy(Map<TableId, ColumnRules> rules, Secret maskKey) {
        this.rules = Map.copyOf(rules);
        this.macs = maskKey.isEmpty() ? null : ThreadLocal.withInitial(() -> newMac(maskKey));
    }

    /** The policy configured in {@code source.columns} / {@code source.mask-key}. */
    public static ColumnPolicy from(SourceConfig source) {
        return new ColumnPolicy(source.columns(), source.maskKey());
    }

    /** The policy without rules: every change passes unchanged. */
    public static ColumnPolicy none() {
        return new ColumnPolicy(Map.of(), Secret.NONE);
    }

    /** True when no table has rules: every change passes unchanged. */
    public boolean isEmpty() {
        return rules.isEmpty();
    }

    /** True when {@code table} has rules. */
    public boolean hasRules(TableId table) {
        return rules.containsKey(table);
    }

    /** The columns of {@code table} whose values never leave the service as they are: the excluded and masked ones. */
    public Set<String> protectedColumns(TableId table) {
        ColumnRules tableRules = rules.get(table);
        return tableRules == null ? Set.of() : tableRules.columns();
    }

    /** The change with the rules applied to its before and after images. */
    public ChangeEvent apply(ChangeEvent event) {
        ColumnRules tableRules = rules.get(event.table());
        if (tableRules == null) {
            return event;
        }
        return new ChangeEvent(
                event.table(),
                event.op(),
                event.key(),
                apply(tableRules, event.before()),
                apply(tableRules, event.after()),
                event.position(),
                event.keyUpdate());
    }

    @Override
    public Row apply(TableId table, Row row) {
        ColumnRules tableRules = rules.get(table);
        return tableRules == null ? row : apply(tableRules, row);
    }

    private Row apply(ColumnRules tableRules, Row row) {
        if (row == null) {
            return null;
        }
        Row.Builder out = Row.builder();
        row.values().forEach((column, value) -> {
            if (tableRules.mask().contains(column)) {
                out.put(column, mask(value));
            } else if (!tableRules.exclude().contains(column)) {
                out.put(column, value);
            }
        });
        for (String column : row.unchangedToastColumns()) {
            if (!tableRules.exclude().contains(column)) {
                out.unchangedToast(column);
            }
        }
        return out.build();
    }

    /** {@code hex(HMAC-SHA256(mask-key, text of value))}; null for null. */
    String mask(Object value) {
        if (value == null) {
            return null;
        }
        byte[] bytes;
        if (value instanceof byte[] raw) {
            bytes = raw;
        } else if (value instanceof BigDecimal decimal) {
            bytes = decimal.toPlainString().getBytes(StandardCharsets.UTF_8);
        } else if (value instanceof JsonNode json) {
            bytes = json.toString().getBytes(StandardCharsets.UTF_8);
        } else {
            bytes = String.valueOf(value).getBytes(StandardCharsets.UTF_8);
        }
        return HexFormat.of().formatHex(macs.get().doFinal(bytes));
    }

    private static Mac newMac(Secret key) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key.reveal().getBytes(StandardCharsets.UTF_8), ALGORITHM));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up " + ALGORITHM, e);
        }
    }
}
