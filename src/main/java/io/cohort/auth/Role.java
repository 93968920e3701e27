package io.cohort.auth;

/** What a caller may do. Names are used in {@code @RolesAllowed} and in config.yml. */
public final class Role {
    /** Write source records. */
    public static final String INGEST = "ingest";
    /** Validate, preview and explain rules. */
    public static final String ANALYST = "analyst";
    /** Read profiles, segments, members and change feeds. */
    public static final String READER = "reader";
    /** Destinations, replays and other operations. */
    public static final String OPERATOR = "operator";

    public static final java.util.Set<String> ALL = java.util.Set.of(INGEST, ANALYST, READER, OPERATOR);

    private Role() {}
}
