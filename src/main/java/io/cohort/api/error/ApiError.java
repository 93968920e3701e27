package io.cohort.api.error;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.cohort.record.FieldError;
import java.util.List;

/**
 * The JSON body of every 4xx answer: {@code {"code":400,"message":"…","errors":[{"index","field","message"}]}}.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ApiError(int code, String message, List<FieldError> errors) {
    public ApiError(int code, String message) { this(code, message, List.of()); }
}
