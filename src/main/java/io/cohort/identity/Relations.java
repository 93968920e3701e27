package io.cohort.identity;

import io.cohort.record.RecordKey;
import io.cohort.record.RecordType;
import io.cohort.record.SourceRecord;
import io.cohort.record.SourceRecord.AccountPersonRecord;
import io.cohort.record.SourceRecord.CampaignMemberRecord;
import io.cohort.record.SourceRecord.MarketingListMemberRecord;
import io.cohort.record.SourceRecord.OpportunityPersonRecord;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.collections.api.block.HashingStrategy;
import org.eclipse.collections.impl.set.strategy.mutable.UnifiedSetWithHashingStrategy;

/**
 * The current relation-like records (account and deal contacts, campaign and list members), each
 * found again by what identifies it in the store: its source, its type and its two key fields.
 *
 * <p>A set of the records themselves, hashed on those fields, rather than a map from a
 * "source:accountId|personId" key: the key's string, its bytes and its {@code SourceRef} were three
 * objects per relation (6.9M of a 1M graph's 56M, ~200 MB), made again on every snapshot read.
 * And the type is part of the identity: keyed by source and key alone, account 1's contact 7 and
 * campaign 1's member 7 of one source were one entry, so storing either deleted the other.
 */
final class Relations implements Iterable<Stamped<SourceRecord>> {
    private static final HashingStrategy<Stamped<SourceRecord>> IDENTITY = new HashingStrategy<>() {
        @Override public int computeHashCode(Stamped<SourceRecord> s) {
            SourceRecord r = s.record();
            int h = r.type().ordinal() * 0x9E3779B9 ^ s.source().hashCode();
            return (h * 31 + first(r).hashCode()) * 31 + personId(r).hashCode();
        }

        @Override public boolean equals(Stamped<SourceRecord> a, Stamped<SourceRecord> b) {
            SourceRecord x = a.record(), y = b.record();
            return x.type() == y.type() && a.source().equals(b.source()) && first(x).equals(first(y))
                    && personId(x).equals(personId(y));
        }
    };

    private final UnifiedSetWithHashingStrategy<Stamped<SourceRecord>> set;

    Relations(int expected) {
        set = UnifiedSetWithHashingStrategy.newSet(IDENTITY, Math.max(16, expected));
    }

    /** Whether records of this type are held here (and not in a map of their own). */
    static boolean holds(RecordType type) {
        return switch (type) {
            case ACCOUNT_PERSON, OPPORTUNITY_PERSON, CAMPAIGN_MEMBER, MARKETING_LIST_MEMBER -> true;
            default -> false;
        };
    }

    /** Adds {@code s}, replacing the record of the same identity; returns that one, or null. */
    Stamped<SourceRecord> put(Stamped<SourceRecord> s) {
        Stamped<SourceRecord> old = set.removeFromPool(s);
        set.add(s);
        return old;
    }

    /** Removes the record of {@code type} that {@code key} names in {@code source}; returns it, or null. */
    Stamped<SourceRecord> remove(String source, RecordType type, String key) {
        Optional<List<String>> parts = RecordKey.parse(key, 2);
        return parts.isEmpty() ? null : set.removeFromPool(probe(source, type, parts.get().get(0), parts.get().get(1)));
    }

    /** The record held with the identity of {@code like}; null when none. */
    Stamped<SourceRecord> get(Stamped<SourceRecord> like) { return set.get(like); }

    int size() { return set.size(); }

    @Override public Iterator<Stamped<SourceRecord>> iterator() { return set.iterator(); }

    /** A record of {@code type} with only its key fields, to find the held one by. */
    private static Stamped<SourceRecord> probe(String source, RecordType type, String first, String person) {
        SourceRecord r = switch (type) {
            case ACCOUNT_PERSON -> new AccountPersonRecord(first, person, null, Map.of());
            case OPPORTUNITY_PERSON -> new OpportunityPersonRecord(first, person, null, Map.of());
            case CAMPAIGN_MEMBER -> new CampaignMemberRecord(first, person, null, Map.of());
            case MARKETING_LIST_MEMBER -> new MarketingListMemberRecord(first, person, Map.of());
            default -> throw new IllegalArgumentException(type + " is not a relation");
        };
        return new Stamped<>(source, r, 0);
    }

    /** The first key field: the account, deal, campaign or list. */
    private static String first(SourceRecord r) {
        if (r instanceof AccountPersonRecord ap) return ap.accountId();
        if (r instanceof OpportunityPersonRecord op) return op.opportunityId();
        if (r instanceof CampaignMemberRecord cm) return cm.campaignId();
        if (r instanceof MarketingListMemberRecord lm) return lm.listId();
        throw new IllegalArgumentException(r.type() + " is not a relation");
    }

    private static String personId(SourceRecord r) {
        if (r instanceof AccountPersonRecord ap) return ap.personId();
        if (r instanceof OpportunityPersonRecord op) return op.personId();
        if (r instanceof CampaignMemberRecord cm) return cm.personId();
        if (r instanceof MarketingListMemberRecord lm) return lm.personId();
        throw new IllegalArgumentException(r.type() + " is not a relation");
    }
}
