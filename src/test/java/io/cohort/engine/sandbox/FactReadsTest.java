package io.cohort.engine.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.cohort.engine.ManualClock;
import io.cohort.engine.RuleBook;
import io.cohort.model.*;
import io.cohort.reliability.FreshEvaluation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The classes of fact each segment's rules match, in any position and through the facts and
 * segments they derive from: a segment evaluated alone is built no others, so a class missed here
 * would be a fact missing from its evaluation.
 */
class FactReadsTest {
    static final Instant NOW = Instant.parse("2026-11-25T00:00:00Z");
    @TempDir Path dir;

    @Test
    void theShippedSegments() throws Exception {
        RuleBook book = FreshEvaluation.shipped(dir, NOW);
        assertThat(book.shape().reads(Set.of("enterprise-automotive")).orElseThrow())
                .containsExactlyInAnyOrder(Person.class, AccountPerson.class, Account.class);
        assertThat(book.shape().reads(Set.of("high-value-new-product")).orElseThrow()).as("an accumulate's input counts")
                .containsExactlyInAnyOrder(Now.class, Person.class, AccountPerson.class, Opportunity.class, Activity.class);
        assertThat(book.shape().reads(Set.of("enterprise-automotive", "webinar-attendees")).orElseThrow())
                .as("a union").contains(Account.class, CampaignMember.class);
        assertThat(book.shape().reads(Set.of("no-such-segment"))).as("unknown: nothing may be left out").isEmpty();
    }

    @Test
    void negationsCollectsAndDerivedFactsCount() throws Exception {
        Files.writeString(dir.resolve("reads.drl"), """
                package cohort.segments;
                import io.cohort.model.*;

                declare Buyer
                    personId : String @key
                end

                rule "buyer: a contact role on a won deal"
                when
                    $p : Person()
                    OpportunityPerson(personId == $p.id, $o : opportunityId)
                    Opportunity(id == $o, won)
                then
                    insertLogical(new Buyer($p.id()));
                end

                rule "unlisted buyers"
                    @segment("unlisted-buyers")
                when
                    $p : Person()
                    Buyer(personId == $p.id)
                    not MarketingListMember(personId == $p.id)
                then
                    insertLogical(new Qualified("unlisted-buyers", $p.id()));
                end

                rule "campaign-heavy"
                    @segment("campaign-heavy")
                when
                    $p : Person()
                    $c : java.util.List() from collect(CampaignMember(personId == $p.id))
                    eval($c.size() >= 2)
                then
                    insertLogical(new Qualified("campaign-heavy", $p.id()));
                end

                rule "heavy buyers"
                    @segment("heavy-buyers")
                when
                    $p : Person()
                    Qualified(segmentId == "campaign-heavy", personId == $p.id)
                    Qualified(segmentId == "unlisted-buyers", personId == $p.id)
                then
                    insertLogical(new Qualified("heavy-buyers", $p.id()));
                end
                """);
        RuleBook book = FreshEvaluation.compile(dir, new ManualClock(NOW));
        assertThat(book.segments()).as("the rules compile").containsKeys("unlisted-buyers", "campaign-heavy", "heavy-buyers");
        assertThat(book.shape().reads(Set.of("unlisted-buyers")).orElseThrow()).as("through the derived Buyer, and a negation")
                .containsExactlyInAnyOrder(Person.class, OpportunityPerson.class, Opportunity.class, MarketingListMember.class);
        assertThat(book.shape().reads(Set.of("campaign-heavy")).orElseThrow()).as("a collect's input")
                .containsExactlyInAnyOrder(Person.class, CampaignMember.class);
        assertThat(book.shape().reads(Set.of("heavy-buyers")).orElseThrow()).as("through the segments it reads")
                .containsExactlyInAnyOrder(Person.class, Qualified.class, OpportunityPerson.class, Opportunity.class,
                        MarketingListMember.class, CampaignMember.class);
    }
}
