package dev.pgcluster.realdocker;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal ustar writer: regular files only, owned by root. Like the docker provider's uploads,
 * the archive holds no directory entries, so extracting it at {@code /} leaves existing
 * directories' modes alone and creates missing parents.
 */
final class Tar {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    void file(String absolutePath, byte[] content, int mode) {
        String name = absolutePath.startsWith("/") ? absolutePath.substring(1) : absolutePath;
        if (name.length() > 99) {
            throw new IllegalArgumentException("path too long for this writer: " + absolutePath);
        }
        byte[] header = new byte[512];
        put(header, 0, name, 100);
        putOctal(header, 100, mode, 8);
        putOctal(header, 108, 0, 8);
        putOctal(header, 116, 0, 8);
        putOctal(header, 124, content.length, 12);
        putOctal(header, 136, System.currentTimeMillis() / 1000, 12);
        for (int i = 148; i < 156; i++) {
            header[i] = ' ';
        }
        header[156] = '0';
        put(header, 257, "ustar", 6);
        put(header, 263, "00", 2);
        put(header, 265, "root", 32);
        put(header, 297, "root", 32);
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xff;
        }
        putOctal(header, 148, sum, 7);
        out.writeBytes(header);
        out.writeBytes(content);
        int pad = (512 - content.length % 512) % 512;
        out.writeBytes(new byte[pad]);
    }

    byte[] bytes() {
        var copy = new ByteArrayOutputStream();
        copy.writeBytes(out.toByteArray());
        copy.writeBytes(new byte[1024]);
        return copy.toByteArray();
    }

    private static void put(byte[] header, int offset, String value, int length) {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, Math.min(bytes.length, length));
    }

    private static void putOctal(byte[] header, int offset, long value, int length) {
        String octal = String.format("%0" + (length - 1) + "o", value);
        put(header, offset, octal, length - 1);
        header[offset + length - 1] = 0;
    }
}
