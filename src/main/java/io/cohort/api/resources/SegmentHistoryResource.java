package io.cohort.api.resources;

import io.cohort.api.error.ApiException;
import io.cohort.audience.AudienceLedger;
import io.cohort.audience.SegmentHistory;
import io.cohort.auth.Role;
import io.cohort.engine.Evaluator;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

/**
 * GET /v1/segments/{id}/history?days=30: the segment's size at the end of each UTC day and how
 * many entered and exited that day, oldest first, ending today. A root resource of its own (like
 * ExplainResource) so SegmentResource stays as it is.
 */
@Path("/v1/segments/{id}/history")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed({Role.READER, Role.ANALYST, Role.OPERATOR})
public class SegmentHistoryResource {
    static final int MAX_DAYS = 366;
    private final java.util.function.Supplier<io.cohort.engine.RuleBook> rules;
    private final java.util.function.ToIntFunction<String> sizes;
    private final SegmentHistory history;
    private final Clock clock;

    /**
     * @param size the segment's members now (the last point's members, unless a round is being written)
     * @param days one entry per day from {@code from} to {@code to}
     */
    public record History(String segmentId, LocalDate from, LocalDate to, long size, List<SegmentHistory.Day> days) {}

    public SegmentHistoryResource(Evaluator evaluator, AudienceLedger ledger, SegmentHistory history, Clock clock) {
        this(evaluator::ruleBook, ledger::size, history, clock);
    }

    /**
     * @param rules the running rule set (it declares the segments)
     * @param sizes segment id → its current member count
     */
    public SegmentHistoryResource(java.util.function.Supplier<io.cohort.engine.RuleBook> rules,
                                  java.util.function.ToIntFunction<String> sizes, SegmentHistory history, Clock clock) {
        this.rules = rules;
        this.sizes = sizes;
        this.history = history;
        this.clock = clock;
    }

    @GET
    public History history(@PathParam("id") String id, @QueryParam("days") String daysParam) {
        if (rules.get().segment(id).isEmpty()) {
            throw ApiException.notFound("no segment '" + id + "'; segments are declared by @segment(\"…\") in the rule files, see GET /v1/segments");
        }
        int days = io.cohort.api.QueryParams.whole("days", daysParam, 30, 1, MAX_DAYS);
        LocalDate to = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        LocalDate from = to.minusDays(days - 1L);
        return new History(id, from, to, sizes.applyAsInt(id), history.days(id, from, to));
    }
}
