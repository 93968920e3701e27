package io.cohort.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.cohort.audience.MembershipReader;
import io.cohort.destination.DestinationStatus;
import io.cohort.engine.RuleMessage;
import io.cohort.engine.RuntimeIssue;
import io.cohort.engine.SegmentDefinition;
import io.cohort.engine.Sweep;
import io.cohort.model.Event;
import io.cohort.model.Opportunity;
import io.cohort.record.SourceRecord;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The JSON answers of the {@code /v1} API as typed records: what the resources return and what
 * the OpenAPI document ({@code GET /v1/openapi.json}) describes, field for field. Nulls are
 * written (a field is always there), except where a record says otherwise.
 */
public final class Views {
    private Views() {}

    // ---- sources ----

    /** {@code GET /v1/sources}: source id → what it is and the native objects it maps. */
    public record SourceList(Map<String, SourceView> sources) {}

    public record SourceView(@Schema(description = "the source's type in config.yml", example = "salesforce") String type,
                             @Schema(description = "objects accepted by POST /v1/sources/{id}/native/{object}")
                             List<String> nativeObjects) {}

    /** {@code GET /v1/sources/{id}/records/{type}/{key}}: one stored record as its source last stated it. */
    public record StoredRecordView(String source, String type, String key,
                                   @Schema(description = "the ingest batch that stored it") long batch,
                                   @Schema(description = "the canonical record, as in POST /v1/sources/{id}/records")
                                   SourceRecord record) {}

    // ---- profiles ----

    /** {@code GET /v1/profiles/{id}}: the unified person. */
    public record PersonProfile(String id, String email, String firstName, String lastName, String title, String country,
                                boolean emailOptOut,
                                @Schema(description = "source:id of every identity unified into the person") List<String> sources,
                                Map<String, String> attributes, List<PersonAccount> accounts,
                                List<Opportunity> opportunities, OpportunityTotals opportunityTotals,
                                @Schema(description = "the newest events held in memory up to now, newest first: what rules count") List<Event> events,
                                @Schema(description = "events a source dated after now (up to a day ahead is taken), soonest first: "
                                        + "rules count each from its own time") List<Event> upcomingEvents,
                                List<MembershipReader.PersonMembership> segments) {}

    /** An account a person is related to, with the role of the relation. */
    public record PersonAccount(String id, String name, String domain, String role, List<String> sources,
                                @Schema(description = PEOPLE_IN_REACH + "; null when no source has a record of it") Boolean peopleInReach) {}

    private static final String PEOPLE_IN_REACH = "false when more people are related to the account than rules look through"
            + " (engine.stepTwoLimit): Account.peopleInReach, as rules see it";

    /** {@code GET /v1/accounts/{id}}: the unified account. */
    public record AccountProfile(String id, String name, String domain, String industry, long employees,
                                 double annualRevenue, String country, List<String> sources, Map<String, String> attributes,
                                 @Schema(description = PEOPLE_IN_REACH) boolean peopleInReach,
                                 List<AccountMember> people, int peopleTotal, String peopleNext,
                                 List<Opportunity> opportunities, OpportunityTotals opportunityTotals) {}

    /** A person related to an account. */
    public record AccountMember(String id, String email, String role) {}

    /** Counted once per unified opportunity. */
    public record OpportunityTotals(int count, double wonAmount, double openAmount) {}

    // ---- segments ----

    /** A segment as the rule files declare it. */
    public record SegmentSummary(String id, String name, String description, List<String> ruleFiles, List<String> rules) {
        public static SegmentSummary of(SegmentDefinition s) {
            return new SegmentSummary(s.id(), s.name(), s.description(), s.files(), s.rules());
        }
    }

    /**
     * A segment with its current size, the time of its latest change (null before any), and the
     * sweep evaluating everyone again for it (null when none runs): until that ends, its audience
     * holds people evaluated with the new rules and people not reached yet.
     */
    public record SegmentView(String id, String name, String description, List<String> ruleFiles, List<String> rules,
                              int size, Instant lastChange, Reevaluation reevaluation) {
        public static SegmentView of(SegmentDefinition s, int size, Instant lastChange, java.util.Optional<Sweep> sweep) {
            Reevaluation r = sweep.filter(w -> w.segments().contains(s.id())).map(Reevaluation::of).orElse(null);
            return new SegmentView(s.id(), s.name(), s.description(), s.files(), s.rules(), size, lastChange, r);
        }
    }

    /**
     * Everyone being evaluated again for a segment.
     *
     * @param cause        why: "rules" (an edit), "start" (rules changed while stopped), "clock"
     *                     (a time window's sweep), "re-evaluate" (an operator's task)
     * @param rulesVersion the rule set it evaluates with
     * @param since        when it began
     * @param people       how many people it evaluates
     * @param evaluated    how many of them are evaluated and stored so far
     */
    public record Reevaluation(String cause, String rulesVersion, Instant since, int people, int evaluated) {
        static Reevaluation of(Sweep s) { return new Reevaluation(s.cause(), s.rulesVersion(), s.since(), s.people(), s.evaluated()); }
    }

    /** {@code GET /v1/segments}. */
    public record SegmentList(List<SegmentView> segments) {}

    /** {@code GET /v1/segments/{id}/members}: one page; {@code next} is the {@code after} of the next page, null on the last. */
    public record MemberPage(List<MembershipReader.Member> members, String next) {}

    /**
     * {@code GET /v1/segments/{id}/changes}: entries and exits after the cursor; pass {@code next} as
     * {@code after} (oldest first), or as {@code before} with {@code order=desc} (null: no more).
     */
    public record ChangePage(List<MembershipReader.Change> changes, Long next) {}

    // ---- rules ----

    /** {@code GET /v1/rules}: what runs, and the outcome of the last reload. */
    public record RuleStatus(String activeVersion, Instant activeSince, List<String> files, boolean lastReloadFailed,
                             Instant lastAttempt, List<RuleMessage> messages, List<String> segments,
                             List<RuntimeIssue> runtimeIssues) {}

    /** {@code POST /v1/rules/validate}: 200 when valid, 422 with the messages when not ({@code segments} only when it compiles). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RuleValidation(boolean valid, String file, List<RuleMessage> messages, List<SegmentSummary> segments) {}

    // ---- destinations ----

    /** {@code GET /v1/destinations}. */
    public record DestinationList(List<DestinationStatus> destinations) {}
}
