package io.cohort.engine.sandbox;

import java.time.Instant;
import java.time.LocalDate;
import java.util.Collection;
import java.util.Map;

/**
 * The static type of a value in a rule, as far as the sandbox needs it: a Java class, the element
 * (or map value) type of a collection, or a type the rule files declare.
 */
record TypeRef(Class<?> raw, TypeRef element, DeclaredType declared) {
    static final TypeRef OBJECT = of(Object.class);
    static final TypeRef STRING = of(String.class);
    static final TypeRef BOOLEAN = of(Boolean.class);
    static final TypeRef NUMBER = of(Number.class);
    static final TypeRef NULL = new TypeRef(Void.class, null, null);

    static TypeRef of(Class<?> c) { return new TypeRef(box(c), null, null); }

    static TypeRef collection(Class<?> c, TypeRef element) { return new TypeRef(c, element, null); }

    static TypeRef declared(DeclaredType d) { return new TypeRef(Object.class, null, d); }

    boolean isDeclared() { return declared != null; }

    boolean isNumber() { return Number.class.isAssignableFrom(raw); }

    boolean isString() { return raw == String.class; }

    boolean isBoolean() { return raw == Boolean.class; }

    boolean isNull() { return raw == Void.class; }

    boolean isCollection() { return Collection.class.isAssignableFrom(raw); }

    boolean isMap() { return Map.class.isAssignableFrom(raw); }

    boolean isTemporal() { return raw == Instant.class || raw == LocalDate.class; }

    /** Whether a value of {@code other} may be compared with this one by ==, <, … */
    boolean comparableWith(TypeRef other) {
        if (isNull() || other.isNull() || raw == Object.class || other.raw == Object.class) return true;
        if (isNumber() && other.isNumber()) return true;
        if (isDeclared() || other.isDeclared()) return java.util.Objects.equals(declared, other.declared);
        return raw.isAssignableFrom(other.raw) || other.raw.isAssignableFrom(raw);
    }

    String display() {
        if (declared != null) return declared.name();
        if (isNull()) return "null";
        String n = raw.getSimpleName();
        if (element != null) n += isMap() ? "<String, " + element.display() + ">" : "<" + element.display() + ">";
        return switch (n) {
            case "Integer", "Long", "Short", "Byte" -> "whole number";
            case "Double", "Float", "Number" -> "number";
            case "Boolean" -> "boolean";
            default -> n;
        };
    }

    static Class<?> box(Class<?> c) {
        if (!c.isPrimitive()) return c;
        if (c == int.class) return Integer.class;
        if (c == long.class) return Long.class;
        if (c == double.class) return Double.class;
        if (c == boolean.class) return Boolean.class;
        if (c == float.class) return Float.class;
        if (c == short.class) return Short.class;
        if (c == byte.class) return Byte.class;
        if (c == char.class) return Character.class;
        return c;
    }
}
