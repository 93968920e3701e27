package io.cohort.model;

/**
 * Qualifies a person for a segment. Segment rules insert it logically:
 * {@code insertLogical(new Qualified("segment-id", $p.id()));} so that the person leaves the
 * segment as soon as no rule justifies it any more. Equal facts from several rules count once.
 */
@Describe("What segment rules insert logically: a person in a segment")
public record Qualified(@Describe("the segment id") String segmentId,
                        @Describe("the qualified person") @Ref(Entity.PERSON) String personId) implements Fact {
    public String key() { return "Q:" + segmentId + ":" + personId; }
}
