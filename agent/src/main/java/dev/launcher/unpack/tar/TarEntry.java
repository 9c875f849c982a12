package dev.launcher.unpack.tar;

import java.nio.file.attribute.FileTime;
import java.util.List;

/**
 * One member of a tar archive, with its PAX records and GNU long names applied: what GNU tar would extract.
 *
 * @param name     the member's name as a raw name ({@link dev.launcher.fs.FileNames}), not cleaned
 * @param linkName the target of a symlink or hard link, raw; empty for other kinds
 * @param kind     what to make of it
 * @param typeflag the type byte of its header, for messages ({@code '0'}, {@code 'S'}, ...)
 * @param mode     the mode field's permission bits ({@code 07777})
 * @param size     the file's length; for a sparse file, its length with the holes
 * @param dataSize bytes of content that follow in the archive ({@link TarReader#read}); 0 for kinds without
 * @param mtime    modification time
 * @param sparse   where the content goes in a sparse file, in order; null for a file that is not sparse
 * @param offset   where its first header starts in the archive, for messages
 */
public record TarEntry(String name, String linkName, Kind kind, char typeflag, int mode, long size, long dataSize,
        FileTime mtime, List<SparseFragment> sparse, long offset) {

    /** What GNU tar makes of a member. */
    public enum Kind {
        /** Also contiguous files, sparse files, and types GNU tar does not know, which it extracts as files. */
        FILE,
        /** Also a GNU dumpdir ('D') and an old-style regular header whose name ends in '/'. */
        DIRECTORY,
        SYMLINK,
        HARD_LINK,
        CHARACTER_DEVICE,
        BLOCK_DEVICE,
        FIFO,
        /** A volume label ('V'), a multi-volume continuation ('M') or old GNU names ('N'): nothing to extract. */
        NOTHING
    }

    public TarEntry {
        sparse = sparse == null ? null : List.copyOf(sparse);
    }

    /** True for a type byte GNU tar does not know and extracts as a regular file. */
    public boolean unknownType() {
        return kind == Kind.FILE && typeflag != '0' && typeflag != '\0' && typeflag != '7' && typeflag != 'S';
    }
}
