package io.cohort.ingest;

import io.cohort.record.FieldError;
import java.util.List;

/** A native payload that does not have the vendor's documented shape. Mapped to HTTP 400. */
public class NativeFormatException extends Exception {
    private final List<FieldError> errors;

    public NativeFormatException(List<FieldError> errors) {
        super(errors.isEmpty() ? "invalid native payload" : errors.get(0).message());
        this.errors = List.copyOf(errors);
    }

    public NativeFormatException(String field, String message) {
        this(List.of(new FieldError(-1, field, message)));
    }

    public List<FieldError> errors() { return errors; }
}
