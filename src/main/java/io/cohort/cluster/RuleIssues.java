package io.cohort.cluster;

import io.cohort.engine.RuntimeIssue;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The rules' run-time issues of a cluster (cluster_rule_issue): each worker adds what its
 * evaluations found in the transaction that commits their results, and every node lists them
 * for the version it runs, the way the single-process evaluator keeps them in memory. What a
 * worker tells once per rule set waits for a commit that succeeds ({@link RulesInUse}).
 */
public final class RuleIssues {
    private static final int MAX_MESSAGE = 4000;
    private final Jdbi jdbi;

    public RuleIssues(Jdbi jdbi) { this.jdbi = jdbi; }

    /** Within a commit's transaction: one row per (kind, rule), occurrences added, the latest message kept. */
    void record(Handle h, String version, Collection<RuntimeIssue> issues) {
        Map<String, RuntimeIssue> latest = new LinkedHashMap<>();
        Map<String, Long> counts = new LinkedHashMap<>();
        for (RuntimeIssue i : issues) {
            String key = i.kind() + "\u0000" + i.rule();
            latest.put(key, i);
            counts.merge(key, i.occurrences(), Long::sum);
        }
        latest.forEach((key, i) -> h.createUpdate("""
                        INSERT INTO cluster_rule_issue (rule_version, kind, rule_name, file, message, occurrences, last_at)
                        VALUES (:v, :kind, :rule, :file, :message, :n, :at)
                        ON CONFLICT (rule_version, kind, rule_name) DO UPDATE SET file = EXCLUDED.file,
                            message = EXCLUDED.message, occurrences = cluster_rule_issue.occurrences + EXCLUDED.occurrences,
                            last_at = GREATEST(cluster_rule_issue.last_at, EXCLUDED.last_at)""")
                .bind("v", version).bind("kind", i.kind()).bind("rule", i.rule()).bind("file", i.file())
                .bind("message", i.message().length() > MAX_MESSAGE ? i.message().substring(0, MAX_MESSAGE) : i.message())
                .bind("n", counts.get(key)).bind("at", i.at().toEpochMilli()).execute());
    }

    /** The issues found with rule set {@code version}, the latest first. */
    public List<RuntimeIssue> of(String version) {
        return jdbi.withHandle(h -> h.createQuery("""
                        SELECT last_at, kind, rule_name, file, message, occurrences FROM cluster_rule_issue
                        WHERE rule_version = :v ORDER BY last_at DESC, kind, rule_name""")
                .bind("v", version)
                .map((rs, ctx) -> new RuntimeIssue(Instant.ofEpochMilli(rs.getLong(1)), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getLong(6)))
                .list());
    }
}
