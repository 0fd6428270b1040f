package io.datalake.transforms.io;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;

/**
 * Ends a Parquet writer's current row group now, writing it to its file, as the writer itself does
 * when the row group reaches its size. parquet-hadoop (1.15) has no public call for it, so this
 * reaches into {@code InternalParquetRecordWriter} and does what its {@code checkBlockSizeReached}
 * does on a full row group: {@code flushRowGroupToStore()}, {@code initStore()}, and the new end
 * position. Used to keep many open files within memory without finishing them (a finished file and
 * a new one for the same partition cost a wide table's writer set-up, and make more files).
 *
 * <p>Should a parquet-hadoop upgrade change those internals, {@link #available()} is false and
 * callers finish the file instead (logging each time).
 */
final class RowGroupFlush {
  private static final Field WRITER;
  private static final Method FLUSH;
  private static final Method INIT;
  private static final Field FILE_WRITER;
  private static final Field LAST_END;
  private static final Field COLUMN_STORE;

  static {
    Field writer = null;
    Method flush = null;
    Method init = null;
    Field fileWriter = null;
    Field lastEnd = null;
    Field columnStore = null;
    try {
      writer = ParquetWriter.class.getDeclaredField("writer");
      Class<?> internal = writer.getType();
      flush = internal.getDeclaredMethod("flushRowGroupToStore");
      init = internal.getDeclaredMethod("initStore");
      fileWriter = internal.getDeclaredField("parquetFileWriter");
      lastEnd = internal.getDeclaredField("lastRowGroupEndPos");
      columnStore = internal.getDeclaredField("columnStore");
      if (!ColumnWriteStore.class.isAssignableFrom(columnStore.getType())) {
        throw new NoSuchFieldException("columnStore is a " + columnStore.getType());
      }
      for (var member :
          new java.lang.reflect.AccessibleObject[] {
            writer, flush, init, fileWriter, lastEnd, columnStore
          }) {
        member.setAccessible(true);
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      writer = null;
    }
    WRITER = writer;
    FLUSH = flush;
    INIT = init;
    FILE_WRITER = fileWriter;
    LAST_END = lastEnd;
    COLUMN_STORE = columnStore;
  }

  private RowGroupFlush() {}

  /** Whether this parquet-hadoop has the internals {@link #flush} uses. */
  static boolean available() {
    return WRITER != null;
  }

  /**
   * The heap the writer's current row group takes, as its column writers count their buffers'
   * allocated capacity (pages written and being written, levels, values), which is more than the
   * encoded bytes {@code getDataSize} counts: buffers grow in slabs and are only partly filled.
   */
  static long allocatedBytes(ParquetWriter<?> writer) {
    try {
      return ((ColumnWriteStore) COLUMN_STORE.get(WRITER.get(writer))).getAllocatedSize();
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot read a Parquet writer's column store", e);
    }
  }

  /** Writes the writer's buffered rows as a row group now; the file stays open for more. */
  static void flush(ParquetWriter<?> writer) throws java.io.IOException {
    try {
      Object internal = WRITER.get(writer);
      FLUSH.invoke(internal);
      INIT.invoke(internal);
      LAST_END.setLong(internal, ((ParquetFileWriter) FILE_WRITER.get(internal)).getPos());
    } catch (java.lang.reflect.InvocationTargetException e) {
      if (e.getCause() instanceof java.io.IOException io) {
        throw io;
      }
      throw new IllegalStateException("cannot end a Parquet row group", e.getCause());
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot end a Parquet row group", e);
    }
  }
}
