package io.datalake.transforms.lake.iceberg;

import org.apache.beam.sdk.transforms.DoFn;
import org.apache.iceberg.catalog.Catalog;

/**
 * A step that talks to the lake's Iceberg catalog: the serializable {@link IcebergCatalogConfig}
 * travels with the step, and each instance makes its own catalog client in {@code @Setup} and
 * closes it in {@code @Teardown} (a client holds connections; it is never serialized).
 */
abstract class CatalogDoFn<InputT, OutputT> extends DoFn<InputT, OutputT> {
  protected final IcebergCatalogConfig config;
  protected transient Catalog catalog;

  CatalogDoFn(IcebergCatalogConfig config) {
    this.config = config;
  }

  @Setup
  public void setup() {
    catalog = config.catalog();
  }

  @Teardown
  public void teardown() {
    if (catalog != null) {
      IcebergCatalogConfig.close(catalog);
    }
  }
}
