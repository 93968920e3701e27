package io.cohort.model;

/**
 * What a unified id names. Rules join facts through these ids; the sandbox uses them to work out
 * how far from a person a rule looks (its neighbourhood), see rules/README.md §9.
 */
public enum Entity {
    PERSON, ACCOUNT, OPPORTUNITY,
    /** Shared by everyone: reached only through a person's membership, never listed whole. */
    CAMPAIGN,
    /** Shared by everyone: reached only through a person's membership, never listed whole. */
    LIST;

    /** Campaigns and lists are looked up by id; they are no step away from a person. */
    public boolean global() { return this == CAMPAIGN || this == LIST; }
}
