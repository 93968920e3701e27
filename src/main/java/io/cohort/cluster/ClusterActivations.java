package io.cohort.cluster;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cohort.audience.ActivationBinding;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

/**
 * The activations of the cluster (table cluster_activation_set): one set every worker writes
 * outbox rows for, whichever process evaluates a person. Each process's config.yml says which
 * destinations it can deliver to, but a process started with another list (a forgotten edit, a
 * rolling change) must neither drop an activation's rows for the people of its partitions nor
 * change the set for everyone by starting: the first process sets it, and it changes only when an
 * operator applies a process's list on purpose ({@link #apply}).
 */
final class ClusterActivations {
    private record Row(String id, String segment, String destination) {}

    private final Jdbi jdbi;
    private final ObjectMapper mapper;
    private volatile Cached cached = new Cached("", List.of());

    private record Cached(String text, List<ActivationBinding> bindings) {}

    ClusterActivations(Jdbi jdbi, ObjectMapper mapper) {
        this.jdbi = jdbi;
        this.mapper = mapper;
    }

    /** Makes {@code mine} the cluster's set unless it has one; returns the cluster's set. */
    List<ActivationBinding> adopt(List<ActivationBinding> mine, String node, long nowMillis) {
        return jdbi.inTransaction(h -> {
            h.execute("INSERT INTO cluster_activation_set (id, bindings, applied_by, applied_at) VALUES (1, ?, ?, ?) "
                    + "ON CONFLICT (id) DO NOTHING", text(mine), node, nowMillis);
            return current(h);
        });
    }

    /** Makes {@code mine} the cluster's set (an operator's decision); returns the set it replaced. */
    List<ActivationBinding> apply(List<ActivationBinding> mine, String node, long nowMillis) {
        return jdbi.inTransaction(h -> {
            List<ActivationBinding> before = h.createQuery("SELECT bindings FROM cluster_activation_set WHERE id = 1 FOR UPDATE")
                    .mapTo(String.class).findOne().map(this::parse).orElse(List.of());
            if (h.execute("UPDATE cluster_activation_set SET bindings = ?, applied_by = ?, applied_at = ? WHERE id = 1",
                    text(mine), node, nowMillis) == 0) {
                h.execute("INSERT INTO cluster_activation_set (id, bindings, applied_by, applied_at) VALUES (1, ?, ?, ?)",
                        text(mine), node, nowMillis);
            }
            return before;
        });
    }

    /** The cluster's set as of {@code h}'s transaction (a commit writes the outbox rows of exactly these). */
    List<ActivationBinding> current(Handle h) {
        Optional<String> text = h.createQuery("SELECT bindings FROM cluster_activation_set WHERE id = 1").mapTo(String.class).findOne();
        if (text.isEmpty()) return List.of();
        Cached c = cached;
        if (c.text().equals(text.get())) return c.bindings();
        List<ActivationBinding> parsed = parse(text.get());
        cached = new Cached(text.get(), parsed);
        return parsed;
    }

    List<ActivationBinding> current() { return jdbi.withHandle(this::current); }

    /** How {@code mine} differs from the cluster's set, for the log and the health check; empty when it does not. */
    Optional<String> difference(List<ActivationBinding> mine) {
        List<ActivationBinding> cluster = current();
        if (sorted(cluster).equals(sorted(mine))) return Optional.empty();
        return Optional.of("this process's activations " + ids(mine) + " differ from the cluster's " + ids(cluster)
                + "; the cluster's are written to the outbox (POST /tasks/apply-activations on a process whose config.yml is "
                + "right makes its list the cluster's)");
    }

    private static List<String> ids(List<ActivationBinding> bindings) {
        return sorted(bindings).stream().map(a -> a.id() + "(" + a.segmentId() + "→" + a.destinationId() + ")").toList();
    }

    private static List<ActivationBinding> sorted(List<ActivationBinding> bindings) {
        List<ActivationBinding> out = new ArrayList<>(bindings);
        out.sort(Comparator.comparing(ActivationBinding::id).thenComparing(ActivationBinding::segmentId)
                .thenComparing(ActivationBinding::destinationId));
        return out;
    }

    private String text(List<ActivationBinding> bindings) {
        try {
            return mapper.writeValueAsString(sorted(bindings).stream().map(a -> new Row(a.id(), a.segmentId(), a.destinationId())).toList());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<ActivationBinding> parse(String text) {
        try {
            return mapper.readValue(text, new TypeReference<List<Row>>() {}).stream()
                    .map(r -> new ActivationBinding(r.id(), r.segment(), r.destination())).toList();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cluster_activation_set does not read: " + e.getMessage(), e);
        }
    }
}
