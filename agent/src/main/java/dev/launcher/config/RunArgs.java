package dev.launcher.config;

import dev.launcher.error.LauncherException;
import java.util.ArrayList;
import java.util.List;

/**
 * RUNARGS → argv. A JSON array gives the exact argv; anything else is split into shell-style words
 * with single quotes, double quotes and backslashes, but no variable expansion, globbing or operators:
 * the launcher never starts a shell the user did not ask for.
 */
public final class RunArgs {
    private RunArgs() {}

    public static List<String> parse(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        String trimmed = text.strip();
        return trimmed.startsWith("[") ? parseJson(trimmed) : splitWords(trimmed);
    }

    private static List<String> parseJson(String json) {
        List<String> argv = JsonStringArray.parse(json);
        if (argv.isEmpty()) {
            throw LauncherException.usage("RUNARGS is an empty JSON array: give the command to run");
        }
        return argv;
    }

    static List<String> splitWords(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '\\' && i + 1 < text.length() && "\"\\$`".indexOf(text.charAt(i + 1)) >= 0) {
                    word.append(text.charAt(++i));
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\') {
                if (i + 1 == text.length()) {
                    throw LauncherException.usage("RUNARGS ends with a lone backslash: " + text);
                }
                word.append(text.charAt(++i));
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw LauncherException.usage("RUNARGS has an unclosed " + quote + " quote: " + text);
        }
        if (inWord) {
            words.add(word.toString());
        }
        return List.copyOf(words);
    }
}
