package io.datalake.transforms.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * The content of a gzip file (RFC 1952, members one after another), handed out as soon as it is
 * inflated, so that everything before a corruption has been read when the corruption is found.
 *
 * <p>Why not the JDK's or Beam's decoder: commons-compress (Beam's GZIP) fills the caller's whole
 * buffer before returning, so a corrupt block discards up to a buffer of good lines before it; the
 * JDK's {@code GZIPInputStream} ignores what follows a member when its header is malformed, and
 * stops after the first member when {@code available()} is 0 (remote streams), both silently. Here
 * any byte after a member that does not start a valid member is corruption, and every member's CRC
 * and length are checked.
 *
 * <p>A stream that does not start with the gzip magic is passed through as it is, as Beam's GZIP
 * does (a plain file named {@code .gz}).
 */
final class GzipStream extends InputStream {
  private static final int BLOCK = 1 << 16;

  private final PushbackInputStream in;
  private final Inflater inflater = new Inflater(true);
  private final CRC32 crc = new CRC32();
  private final byte[] input = new byte[BLOCK];
  private int inputLength;
  private boolean plain;
  private boolean started;
  private boolean inMember;
  private boolean end;

  GzipStream(InputStream in) {
    this.in = new PushbackInputStream(in, BLOCK);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n;
    while ((n = read(one, 0, 1)) == 0) {
      // a read of 1 byte returns 1 or -1; loop only for safety
    }
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!started) {
      started = true;
      int first = in.read();
      int second = first < 0 ? -1 : in.read();
      if (second >= 0) {
        in.unread(second);
      }
      if (first >= 0) {
        in.unread(first);
      }
      plain = first != 0x1f || second != 0x8b;
    }
    if (plain) {
      return in.read(b, off, len);
    }
    while (!end) {
      if (!inMember) {
        int next = in.read();
        if (next < 0) {
          end = true;
          break;
        }
        in.unread(next);
        readHeader();
        inflater.reset();
        crc.reset();
        inMember = true;
      }
      if (inflater.finished()) {
        readTrailer();
        inMember = false;
        continue;
      }
      if (inflater.needsInput()) {
        inputLength = in.read(input, 0, input.length);
        if (inputLength < 0) {
          throw new EOFException("the gzip data ends before its member does (truncated)");
        }
        inflater.setInput(input, 0, inputLength);
      }
      int n;
      try {
        n = inflater.inflate(b, off, len);
      } catch (DataFormatException e) {
        throw new ZipException("invalid deflate data (" + e.getMessage() + ")");
      }
      if (n > 0) {
        crc.update(b, off, n);
        return n;
      }
      if (inflater.needsDictionary()) {
        throw new ZipException("deflate data asks for a preset dictionary, which gzip has not");
      }
    }
    return -1;
  }

  private void readHeader() throws IOException {
    byte[] fixed = readFully(10, "header");
    if ((fixed[0] & 0xff) != 0x1f || (fixed[1] & 0xff) != 0x8b) {
      throw new ZipException("bytes that are not a gzip member follow the last complete member");
    }
    if (fixed[2] != 8) {
      throw new ZipException("unknown gzip compression method " + fixed[2]);
    }
    int flags = fixed[3] & 0xff;
    if ((flags & 0xe0) != 0) {
      throw new ZipException("reserved gzip header flags are set");
    }
    if ((flags & 4) != 0) { // FEXTRA
      byte[] length = readFully(2, "header");
      readFully((length[0] & 0xff) | (length[1] & 0xff) << 8, "header");
    }
    if ((flags & 8) != 0) { // FNAME
      skipZeroTerminated();
    }
    if ((flags & 16) != 0) { // FCOMMENT
      skipZeroTerminated();
    }
    if ((flags & 2) != 0) { // FHCRC
      readFully(2, "header");
    }
  }

  private void readTrailer() throws IOException {
    int remaining = inflater.getRemaining();
    if (remaining > 0) {
      in.unread(input, inputLength - remaining, remaining);
    }
    byte[] trailer = readFully(8, "trailer");
    long expectedCrc = littleEndian(trailer, 0);
    long expectedSize = littleEndian(trailer, 4);
    if (expectedCrc != crc.getValue()) {
      throw new ZipException("gzip member CRC mismatch");
    }
    if (expectedSize != (inflater.getBytesWritten() & 0xffffffffL)) {
      throw new ZipException("gzip member length mismatch");
    }
  }

  private void skipZeroTerminated() throws IOException {
    int c;
    do {
      c = in.read();
      if (c < 0) {
        throw new EOFException("the gzip data ends inside a member's header (truncated)");
      }
    } while (c != 0);
  }

  private byte[] readFully(int count, String part) throws IOException {
    byte[] bytes = new byte[count];
    int read = 0;
    while (read < count) {
      int n = in.read(bytes, read, count - read);
      if (n < 0) {
        throw new EOFException("the gzip data ends inside a member's " + part + " (truncated)");
      }
      read += n;
    }
    return bytes;
  }

  private static long littleEndian(byte[] b, int at) {
    return (b[at] & 0xffL)
        | (b[at + 1] & 0xffL) << 8
        | (b[at + 2] & 0xffL) << 16
        | (b[at + 3] & 0xffL) << 24;
  }

  @Override
  public void close() throws IOException {
    inflater.end();
    in.close();
  }
}
