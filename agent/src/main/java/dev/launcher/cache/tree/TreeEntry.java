package dev.launcher.cache.tree;

import java.time.Instant;

/**
 * One entry of a layer tree as the index records it and as a check finds it on disk.
 *
 * @param path   relative, {@code /}-separated; {@value #ROOT} for the tree's root directory
 * @param mode   permission bits ({@code 07777})
 * @param size   bytes of a regular file; -1 for the other types, whose size says nothing the rest does not
 * @param ctimeNanos the inode change time: any write, truncate, chmod, link or rename of the entry moves it
 * @param crc    CRC32C of a regular file's content; 0 for the other types and before it is computed
 * @param target the target of a symlink; null for the other types
 */
record TreeEntry(String path, Type type, int mode, long size, long ctimeNanos, int crc, String target) {
    static final String ROOT = ".";

    enum Type {
        DIRECTORY('d', "a directory"),
        FILE('f', "a file"),
        SYMLINK('l', "a symlink"),
        /** Never made by the unpacker; recorded so that one appearing later is a difference. */
        OTHER('o', "a special file");

        final char code;
        final String noun;

        Type(char code, String noun) {
            this.code = code;
            this.noun = noun;
        }

        static Type of(char code) {
            for (Type type : values()) {
                if (type.code == code) {
                    return type;
                }
            }
            throw new IllegalArgumentException("unknown entry type '" + code + "'");
        }
    }

    TreeEntry withCrc(int crc) {
        return new TreeEntry(path, type, mode, size, ctimeNanos, crc, target);
    }

    static Instant instant(long nanos) {
        return Instant.ofEpochSecond(0, nanos);
    }
}
