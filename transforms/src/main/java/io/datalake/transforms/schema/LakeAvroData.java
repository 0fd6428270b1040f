package io.datalake.transforms.schema;

import java.util.Collection;
import java.util.List;
import org.apache.avro.Conversion;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;

/**
 * Avro's generic data model for lake rows, which resolves a nullable union ({@code [null, T]},
 * every column of {@link AvroSchemas}) by what the value is rather than by name.
 *
 * <p>Avro's own {@code resolveUnion} looks the value's class up among its logical-type conversions
 * and then its schema name among the union's branches: two hash look-ups for every non-null column
 * of every row, in every encoding and {@code validate} (2.5% of a stream's pipeline CPU). Here a
 * null is branch 0, a value that is plainly of the other branch's type is branch 1, and anything
 * else goes to Avro's resolution, so a value of the wrong type is rejected as before. That holds
 * because the model has no logical-type conversions (timestamps stay longs), as {@code
 * GenericData.get()} has none: it refuses to be given one.
 */
public final class LakeAvroData extends GenericData {
  private static final LakeAvroData INSTANCE = new LakeAvroData();

  private LakeAvroData() {}

  /** The one instance: Avro's writers and readers share their model. */
  public static LakeAvroData get() {
    return INSTANCE;
  }

  @Override
  public void addLogicalTypeConversion(Conversion<?> conversion) {
    throw new UnsupportedOperationException(
        "Lake rows keep logical types as their Avro primitives; no conversions");
  }

  @Override
  public <T> Conversion<T> getConversionFor(LogicalType logicalType) {
    return null;
  }

  @Override
  public <T> Conversion<T> getConversionByClass(Class<T> datumClass) {
    return null;
  }

  @Override
  public <T> Conversion<T> getConversionByClass(Class<T> datumClass, LogicalType logicalType) {
    return null;
  }

  @Override
  public int resolveUnion(Schema union, Object datum) {
    List<Schema> branches = union.getTypes();
    if (branches.size() == 2 && branches.get(0).getType() == Schema.Type.NULL) {
      if (datum == null) {
        return 0;
      }
      if (isPlainly(branches.get(1), datum)) {
        return 1;
      }
    }
    return super.resolveUnion(union, datum);
  }

  /** Whether Avro's resolution would pick this branch for the value: the types lake rows hold. */
  private static boolean isPlainly(Schema branch, Object datum) {
    return switch (branch.getType()) {
      case STRING -> datum instanceof CharSequence;
      case LONG -> datum instanceof Long;
      case DOUBLE -> datum instanceof Double;
      case BOOLEAN -> datum instanceof Boolean;
      case ARRAY -> datum instanceof Collection;
      case RECORD -> datum instanceof GenericContainer c && c.getSchema() == branch;
      default -> false;
    };
  }
}
