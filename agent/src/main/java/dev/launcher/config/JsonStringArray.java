package dev.launcher.config;

import dev.launcher.error.LauncherException;
import java.util.ArrayList;
import java.util.List;

/**
 * Parses RUNARGS's JSON form, an array of strings (RFC 8259 strings, with every escape). Hand-written
 * because it sits on every container start: loading Jackson for one array cost 0.3 to 0.6 s of start.
 */
final class JsonStringArray {
    private final String text;
    private int at;

    private JsonStringArray(String text) {
        this.text = text;
    }

    static List<String> parse(String json) {
        return new JsonStringArray(json).array();
    }

    private List<String> array() {
        List<String> values = new ArrayList<>();
        skipSpace();
        expect('[');
        skipSpace();
        if (peek() == ']') {
            at++;
        } else {
            while (true) {
                skipSpace();
                values.add(string());
                skipSpace();
                char c = next();
                if (c == ']') {
                    break;
                }
                if (c != ',') {
                    throw error("expected ',' or ']'");
                }
            }
        }
        skipSpace();
        if (at != text.length()) {
            throw error("unexpected text after the array");
        }
        return List.copyOf(values);
    }

    private String string() {
        if (peek() != '"') {
            throw error("only strings may appear in the array");
        }
        at++;
        StringBuilder value = new StringBuilder();
        while (true) {
            char c = next();
            if (c == '"') {
                return value.toString();
            }
            if (c < 0x20) {
                throw error("control character in a string");
            }
            if (c != '\\') {
                value.append(c);
                continue;
            }
            char escape = next();
            switch (escape) {
                case '"', '\\', '/' -> value.append(escape);
                case 'b' -> value.append('\b');
                case 'f' -> value.append('\f');
                case 'n' -> value.append('\n');
                case 'r' -> value.append('\r');
                case 't' -> value.append('\t');
                case 'u' -> {
                    if (at + 4 > text.length()) {
                        throw error("truncated \\u escape");
                    }
                    try {
                        value.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
                    } catch (NumberFormatException e) {
                        throw error("bad \\u escape");
                    }
                    at += 4;
                }
                default -> throw error("bad escape \\" + escape);
            }
        }
    }

    private void skipSpace() {
        while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
            at++;
        }
    }

    private char peek() {
        if (at >= text.length()) {
            throw error("unexpected end");
        }
        return text.charAt(at);
    }

    private char next() {
        char c = peek();
        at++;
        return c;
    }

    private void expect(char c) {
        if (next() != c) {
            throw error("expected '" + c + "'");
        }
    }

    private LauncherException error(String why) {
        return LauncherException.usage("RUNARGS starts with '[' but is not a JSON array of strings (" + why + " at character "
                + at + "): write e.g. [\"node\",\"server.js\"]");
    }
}
