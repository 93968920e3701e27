package io.cohort.engine.sandbox;

import io.cohort.model.Entity;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A type a rule file declares ({@code declare CustomerAccount accountId : String @key end}): a
 * derived fact that classification rules insert logically.
 *
 * @param fields field name → type, in declaration order (the order of the constructor)
 * @param keys   the fields marked @key
 * @param refs   which entity a field's value names, learnt from the rules that insert the type
 */
record DeclaredType(String name, LinkedHashMap<String, TypeRef> fields, Set<String> keys, String file, int line,
                    Map<String, Entity> refs) {

    @Override public boolean equals(Object o) { return o instanceof DeclaredType d && d.name.equals(name); }

    @Override public int hashCode() { return name.hashCode(); }

    @Override public String toString() { return name; }
}
