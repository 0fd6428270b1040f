/** PTransforms, table schemas and sinks of the datalake graph. */
package io.datalake.transforms;
