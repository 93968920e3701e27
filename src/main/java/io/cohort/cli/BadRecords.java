package io.cohort.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.cohort.ingest.InvalidBatchException;
import io.cohort.record.FieldError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A batch the API would refuse whole, split for bulk loads: the records the validation names are
 * rejected each on its own, and the rest is accepted. (The API stays all-or-nothing per request:
 * a client can resend; a 10,000-record batch of a file should not be lost to one bad email.)
 */
final class BadRecords {
    /** Told about each rejected record: its index in the batch and why. */
    interface Reject {
        void record(int indexInBatch, String reason) throws Exception;
    }

    private BadRecords() {}

    /**
     * Calls {@code accept} with the batch, then again without the records each
     * {@link InvalidBatchException} names, until it accepts or nothing is left.
     *
     * @return what {@code accept} returned, or null when every record was rejected
     */
    static <T> T acceptGood(List<JsonNode> records, Function<List<JsonNode>, T> accept, Reject reject) throws Exception {
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) keep.add(i);
        while (!keep.isEmpty()) {
            List<JsonNode> batch = keep.stream().map(records::get).toList();
            try {
                return accept.apply(batch);
            } catch (InvalidBatchException e) {
                Map<Integer, List<String>> bad = new LinkedHashMap<>();
                List<String> whole = new ArrayList<>();
                for (FieldError f : e.errors()) {
                    String why = "field '" + f.field() + "': " + f.message();
                    if (f.index() < 0 || f.index() >= batch.size()) whole.add(why);
                    else bad.computeIfAbsent(keep.get(f.index()), k -> new ArrayList<>()).add(why);
                }
                if (!whole.isEmpty() || bad.isEmpty()) { // nothing to single out: the batch as such is refused
                    String why = whole.isEmpty() ? e.getMessage() : String.join("; ", whole);
                    for (int i : keep) reject.record(i, why);
                    return null;
                }
                for (Map.Entry<Integer, List<String>> b : bad.entrySet()) reject.record(b.getKey(), String.join("; ", b.getValue()));
                keep.removeAll(bad.keySet());
            }
        }
        return null;
    }
}
