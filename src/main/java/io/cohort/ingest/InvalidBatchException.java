package io.cohort.ingest;

import io.cohort.record.FieldError;
import java.util.List;

/** A batch that failed validation; nothing of it was stored. Mapped to HTTP 400. */
public class InvalidBatchException extends RuntimeException {
    private final List<FieldError> errors;

    public InvalidBatchException(List<FieldError> errors) {
        super(errors.size() + " invalid field(s), first: " + (errors.isEmpty() ? "-" : errors.get(0)));
        this.errors = List.copyOf(errors);
    }

    public List<FieldError> errors() { return errors; }
}
