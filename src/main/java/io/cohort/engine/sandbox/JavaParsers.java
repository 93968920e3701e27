package io.cohort.engine.sandbox;

import com.github.javaparser.JavaParser;
import com.github.javaparser.ParseResult;
import com.github.javaparser.ParserConfiguration;
import com.github.javaparser.ast.expr.Expression;
import com.github.javaparser.ast.stmt.BlockStmt;
import java.util.HashMap;
import java.util.Map;

/**
 * The JavaParser instances of one check of a rule set (one thread), reused for every expression
 * and consequence of it. A {@link JavaParser} resets its generated parser between parses, but a new
 * one builds it afresh (its character buffers, lookahead tables and token manager): at the bound of
 * 20,000 conditions, some 40,000 operands, building them was most of the time a check took.
 *
 * <p>Operands repeat ({@code accountId}, {@code $p.id}, {@code won} in every rule): an expression read
 * once is not read again. The checkers only read the trees, and a tree's positions are relative to
 * its text, so the same text gives the same tree, the same refusals at the same places.
 */
final class JavaParsers {
    private static final ParserConfiguration EXPRESSIONS = new ParserConfiguration()
            .setLanguageLevel(ParserConfiguration.LanguageLevel.JAVA_17)
            .setPreprocessUnicodeEscapes(false)
            .setAttributeComments(false);
    private static final ParserConfiguration BLOCKS = new ParserConfiguration()
            .setLanguageLevel(ParserConfiguration.LanguageLevel.JAVA_17)
            .setPreprocessUnicodeEscapes(false);

    private JavaParser expressions;
    private JavaParser blocks;
    /** Expressions that parsed, by their text. */
    private final Map<String, ParseResult<Expression>> parsed = new HashMap<>();

    /** @throws StackOverflowError as JavaParser does, on an expression nested thousands deep */
    ParseResult<Expression> expression(String text) {
        ParseResult<Expression> known = parsed.get(text);
        if (known != null) return known;
        if (expressions == null) expressions = new JavaParser(EXPRESSIONS);
        try {
            ParseResult<Expression> r = expressions.parseExpression(text);
            if (r.isSuccessful()) parsed.put(text, r);
            return r;
        } catch (RuntimeException | Error e) {
            // The generated parser may be left mid-lookahead: the next parse gets a new one.
            expressions = null;
            throw e;
        }
    }

    /** @throws StackOverflowError as JavaParser does, on a block nested thousands deep */
    ParseResult<BlockStmt> block(String text) {
        if (blocks == null) blocks = new JavaParser(BLOCKS);
        try {
            return blocks.parseBlock(text);
        } catch (RuntimeException | Error e) {
            blocks = null;
            throw e;
        }
    }
}
