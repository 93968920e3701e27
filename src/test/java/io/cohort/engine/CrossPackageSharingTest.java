package io.cohort.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.model.CampaignMember;
import io.cohort.model.Now;
import io.cohort.model.Person;
import io.cohort.model.Qualified;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Found by IncrementalEvaluationTest: in Drools 10.2.0 an accumulate stops seeing retractions
 * when another package's rule shares its join and is added after it (apache/incubator-kie#7109:
 * packages after the largest are added rule by rule and the split segment keeps stale memory
 * bits). A member then never exits, and only a restart (fresh evaluation) corrects it.
 */
class CrossPackageSharingTest {
    static final String EXISTS = """
            package cohort.segments;
            import io.cohort.model.*;
            rule "viewed" @segment("viewed")
            when
                $p : Person()
                exists CampaignMember(personId == $p.id)
            then
                insertLogical(new Qualified("viewed", $p.id()));
            end
            """;
    static final String COUNT = """
            package cohort.other;
            import io.cohort.model.*;
            rule "two campaigns" @segment("two-events")
            when
                $p : Person()
                accumulate(CampaignMember(personId == $p.id); $n : count(); $n >= 2)
            then
                insertLogical(new Qualified("two-events", $p.id()));
            end
            """;

    @Test
    void accumulateInOnePackageSeesRetractionsWhenAnotherPackageSharesItsJoin() {
        RuleBook book = new RuleCompiler(RuleGuard.NONE, Clock.systemUTC())
                .compile(Map.of("a.drl", EXISTS, "b.drl", COUNT)).ruleBook().orElseThrow();
        Instant now = Instant.parse("2026-11-25T00:00:00Z");
        CampaignMember e1 = new CampaignMember("c1", "p", "Attended");
        CampaignMember e2 = new CampaignMember("c2", "p", "Attended");
        try (Shard shard = new Shard(0, book, Clock.systemUTC(), 10_000)) {
            shard.apply(List.of(new FactOp.Put(new Now(now)),
                    new FactOp.Put(new Person("p", "p@x.com", null, null, null, null, false, List.of(), Map.of())),
                    new FactOp.Put(e1), new FactOp.Put(e2)));
            assertThat(shard.isQualified(new Qualified("two-events", "p"))).isTrue();

            shard.apply(List.of(new FactOp.Remove(e2.key())));

            assertThat(shard.isQualified(new Qualified("viewed", "p"))).isTrue();
            assertThat(shard.isQualified(new Qualified("two-events", "p"))).as("one membership left: exits").isFalse();
        }
    }
}
