/** PipelineOptions of the datalake pipeline. */
package io.datalake.options;
