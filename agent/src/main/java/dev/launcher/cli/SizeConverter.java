package dev.launcher.cli;

import java.util.Locale;
import picocli.CommandLine;

/** "500M", "2G", "1024" → bytes (binary units). */
final class SizeConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        String v = value.strip().toUpperCase(Locale.ROOT).replaceAll("I?B$", "");
        long unit = 1;
        char last = v.isEmpty() ? ' ' : v.charAt(v.length() - 1);
        switch (last) {
            case 'K' -> unit = 1L << 10;
            case 'M' -> unit = 1L << 20;
            case 'G' -> unit = 1L << 30;
            case 'T' -> unit = 1L << 40;
            default -> unit = 1;
        }
        String digits = unit == 1 ? v : v.substring(0, v.length() - 1);
        try {
            return Math.multiplyExact(Long.parseLong(digits.strip()), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a size such as 500M or 2G");
        }
    }
}
