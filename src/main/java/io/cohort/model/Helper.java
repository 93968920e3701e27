package io.cohort.model;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a method rules may call in conditions, besides reading fields. Methods without it are not
 * callable from a rule file: the sandbox allows only what is marked (and a few String, number,
 * date and collection methods). {@code value} is the one-line description the analysts' reference
 * and the compiler's hints show.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface Helper {
    String value();
}
