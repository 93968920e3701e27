package io.cohort.reliability;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jdbi.v3.core.Jdbi;

/** The change feed folded per (segment, person), against the stored memberships. */
public final class ChangeFeeds {
    private ChangeFeeds() {}

    /**
     * Each history must alternate entered/exited, starting with entered (a duplicate shows as two
     * of a kind in a row), and end in the stored membership; every member must have a history.
     * Returns what breaks that, empty when nothing does.
     */
    public static List<String> violations(Jdbi jdbi) {
        Map<String, List<String>> feeds = new LinkedHashMap<>();
        jdbi.useHandle(h -> h.createQuery("SELECT segment_id, person_id, change FROM membership_change ORDER BY seq")
                .map((rs, ctx) -> new String[] {rs.getString(1) + "/" + rs.getString(2), rs.getString(3)})
                .forEach(r -> feeds.computeIfAbsent(r[0], k -> new ArrayList<>()).add(r[1])));
        Set<String> realized = new HashSet<>(jdbi.withHandle(h -> h.createQuery(
                "SELECT segment_id, person_id FROM membership WHERE status = 'realized'")
                .map((rs, ctx) -> rs.getString(1) + "/" + rs.getString(2)).list()));
        List<String> out = new ArrayList<>();
        feeds.forEach((key, changes) -> {
            for (int i = 0; i < changes.size(); i++) {
                String expected = i % 2 == 0 ? "entered" : "exited";
                if (!changes.get(i).equals(expected)) {
                    out.add(key + ": " + changes);
                    return;
                }
            }
            boolean member = changes.get(changes.size() - 1).equals("entered");
            if (member != realized.contains(key)) out.add(key + ": feed ends " + changes.get(changes.size() - 1) + ", membership says otherwise");
        });
        realized.forEach(k -> { if (!feeds.containsKey(k)) out.add(k + ": member without a change"); });
        return out;
    }
}
