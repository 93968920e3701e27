package io.cohort.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.RuleBook;
import io.cohort.engine.RuleService;
import io.cohort.engine.RuntimeIssue;
import io.cohort.ingest.IngestLimits;
import io.cohort.ingest.RecordParser;
import io.cohort.model.Qualified;
import io.cohort.reliability.RandomRecords;
import io.dropwizard.jackson.Jackson;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rule that throws at run time in cluster mode: the workers record the issue with the results
 * they commit, every node lists it for the version it runs (what GET /v1/rules serves), and the
 * other segments keep their members.
 */
class ClusterRuleIssuesIT {
    @TempDir static Path rules;
    static ClusterFixture f;

    @BeforeAll static void start() throws Exception { f = new ClusterFixture(rules, "cohort.issues", 2); }

    @AfterAll static void stop() throws Exception { if (f != null) f.close(); }

    @Test
    void aThrowingConditionIsListedOnEveryNodeAndTheOtherSegmentsKeepTheirMembers() throws Exception {
        IngestLog log = new IngestLog(f.jdbi, Jackson.newObjectMapper());
        RecordParser parser = new RecordParser(new IngestLimits());
        RandomRecords gen = new RandomRecords(77, ClusterFixture.NOW, 30, 25, 10);
        List<ClusterNode> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) nodes.add(f.startNode("i" + i, parser));
            ClusterFixture.append(log, parser, gen, 40);
            f.awaitPublished(log.last(), Duration.ofSeconds(60));
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();
            Set<Qualified> before = f.realized();
            assertThat(before).isNotEmpty();
            RuleIssues issues = new RuleIssues(f.jdbi);
            assertThat(issues.of(f.book.version())).as("the shipped rules and the probes throw for nobody").isEmpty();

            Map<String, String> files = new TreeMap<>(RuleService.readDirectory(rules));
            files.put("throws.drl", ClusterFixture.THROWING_RULE);
            RuleBook next = nodes.get(0).applyRules(files);
            long until = System.nanoTime() + 30_000_000_000L;
            while (nodes.stream().anyMatch(n -> !n.rules().version().equals(next.version())) && System.nanoTime() < until) Thread.sleep(50);
            f.awaitPublished(0, Duration.ofSeconds(60));
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(60))).isTrue();

            List<RuntimeIssue> found = issues.of(next.version());
            assertThat(found).as("the throwing condition, with its rule and file").isNotEmpty()
                    .allSatisfy(i -> {
                        assertThat(i.kind()).isEqualTo("condition");
                        assertThat(i.rule()).isEqualTo("ids past the 1000th character");
                        assertThat(i.file()).isEqualTo("throws.drl");
                        assertThat(i.message()).contains("StringIndexOutOfBounds");
                    });
            assertThat(found.stream().mapToLong(RuntimeIssue::occurrences).sum()).isPositive();
            assertThat(issues.of(f.book.version())).as("issues belong to the version they were found with").isEmpty();
            assertThat(f.realized()).as("the other segments keep their members; broken-ids has none").isEqualTo(before);
            assertThat(f.feedViolations()).isEmpty();
        } finally {
            for (ClusterNode n : nodes) n.stop();
        }
    }
}
