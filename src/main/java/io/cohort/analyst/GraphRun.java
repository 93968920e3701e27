package io.cohort.analyst;

import io.cohort.engine.OneShot;
import io.cohort.engine.RuleBook;
import io.cohort.engine.RuntimeIssue;
import io.cohort.identity.Component;
import io.cohort.identity.ComponentFacts;
import io.cohort.identity.Node;
import io.cohort.identity.ProfileGraph;
import io.cohort.model.Fact;
import io.cohort.model.Now;
import io.cohort.model.Person;
import io.cohort.model.Qualified;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Evaluates every profile of a {@link ProfileGraph} with a {@link RuleBook} at one instant, in
 * throw-away sessions, the way the shards see the data: unified component facts (events within
 * the retention), campaigns and lists in every session, and many components per session. Used by
 * rule tests and previews; it activates nothing.
 */
public final class GraphRun {
    /** Facts per session; bounds the memory one run holds at a time. */
    private static final int CHUNK_FACTS = 50_000;

    /**
     * @param members segment id → ids of the people in it, sorted
     * @param people  the qualified people, by id
     * @param why     per qualification, the matches that justify it (only when explaining)
     */
    public record Outcome(Map<String, Set<String>> members, Map<String, Person> people,
                          Map<Qualified, List<OneShot.Justification>> why, List<RuntimeIssue> issues) {

        public Set<String> members(String segmentId) { return members.getOrDefault(segmentId, Set.of()); }
    }

    private GraphRun() {}

    public static Outcome evaluate(ProfileGraph graph, RuleBook book, Instant now, Duration eventRetention,
                                   boolean explain) {
        Instant since = now.minus(eventRetention);
        List<Fact> globals = graph.globalFacts();
        Map<String, Set<String>> members = new TreeMap<>();
        Map<String, Person> people = new HashMap<>();
        Map<Qualified, List<OneShot.Justification>> why = new HashMap<>();
        List<RuntimeIssue> issues = new ArrayList<>();
        Set<Node> covered = new HashSet<>();
        List<Fact> chunk = new ArrayList<>();
        for (Node n : new TreeSet<>(graph.allNodes())) {
            if (covered.contains(n)) continue;
            Component c = graph.component(n);
            covered.addAll(c.nodes());
            ComponentFacts cf = graph.facts(c, since);
            chunk.addAll(cf.facts());
            if (chunk.size() >= CHUNK_FACTS) {
                run(book, chunk, globals, now, explain, members, people, why, issues);
                chunk = new ArrayList<>();
            }
        }
        // Globals alone still run: a rule may qualify nobody, but must not fail on empty data.
        run(book, chunk, globals, now, explain, members, people, why, issues);
        return new Outcome(members, people, why, issues);
    }

    private static void run(RuleBook book, List<Fact> chunk, List<Fact> globals, Instant now, boolean explain,
                            Map<String, Set<String>> members, Map<String, Person> people,
                            Map<Qualified, List<OneShot.Justification>> why, List<RuntimeIssue> issues) {
        List<Fact> facts = new ArrayList<>(globals.size() + chunk.size());
        facts.addAll(globals);
        facts.addAll(chunk);
        OneShot.Result r = OneShot.run(book, facts, new Now(now), explain);
        Map<String, Person> byId = new HashMap<>();
        for (Fact f : chunk) if (f instanceof Person p) byId.put(p.id(), p);
        for (Qualified q : r.qualified()) {
            members.computeIfAbsent(q.segmentId(), k -> new TreeSet<>()).add(q.personId());
            Person p = byId.get(q.personId());
            if (p != null) people.put(p.id(), p);
        }
        why.putAll(r.justifications());
        issues.addAll(r.issues());
    }
}
