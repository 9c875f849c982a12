package dev.launcher.unpack;

import java.nio.file.attribute.PosixFilePermission;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Converts between numeric modes and permission sets. Only the nine rwx bits exist here:
 * setuid, setgid and sticky cannot be expressed, which is how the launcher guarantees it never
 * creates them.
 */
public final class PosixModes {
    private static final PosixFilePermission[] BY_BIT = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
    };
    /** One shared set per mode: unpacking thousands of files needs only a handful of distinct modes. */
    private static final Set<PosixFilePermission>[] SETS = buildSets();

    private PosixModes() {}

    /** The rwx bits of {@code mode}; anything above 0777 is dropped. */
    public static Set<PosixFilePermission> permissions(int mode) {
        return SETS[mode & 0777];
    }

    public static int mode(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (int bit = 0; bit < BY_BIT.length; bit++) {
            if (permissions.contains(BY_BIT[bit])) {
                mode |= 1 << bit;
            }
        }
        return mode;
    }

    @SuppressWarnings("unchecked")
    private static Set<PosixFilePermission>[] buildSets() {
        Set<PosixFilePermission>[] sets = new Set[512];
        for (int mode = 0; mode < 512; mode++) {
            Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
            for (int bit = 0; bit < BY_BIT.length; bit++) {
                if ((mode & (1 << bit)) != 0) {
                    set.add(BY_BIT[bit]);
                }
            }
            sets[mode] = Collections.unmodifiableSet(set);
        }
        return sets;
    }
}
