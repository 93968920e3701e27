package io.cohort.identity;

import io.cohort.record.SourceRecord.PersonRecord;
import java.util.AbstractMap;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A person's identities (source id → that source's record ids) made from their records the first
 * time they are read. Every evaluated person carries them to the audience stage, which reads them
 * only for an outbox payload (an entry, an exit, a consent change): made for each person of a
 * sweep, their maps and lists were 5% of a 1M rule edit's evaluation. Read-only; the records are
 * the graph's immutable ones, so any thread may read it, and two threads making it at once make
 * equal maps.
 */
final class LazyIdentities extends AbstractMap<String, List<String>> {
    private final List<Stamped<PersonRecord>> records;
    private volatile Map<String, List<String>> made;

    LazyIdentities(List<Stamped<PersonRecord>> records) { this.records = records; }

    private Map<String, List<String>> made() {
        Map<String, List<String>> m = made;
        if (m == null) made = m = Collections.unmodifiableMap(Unifier.identities(records));
        return m;
    }

    @Override public Set<Entry<String, List<String>>> entrySet() { return made().entrySet(); }

    @Override public List<String> get(Object source) { return made().get(source); }

    @Override public boolean containsKey(Object source) { return made().containsKey(source); }

    @Override public int size() { return made().size(); }
}
