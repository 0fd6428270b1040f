package io.datalake.options;

import org.apache.beam.sdk.options.StreamingOptions;

/** Every option of the datalake pipeline, composed from the small interfaces. */
public interface DatalakeOptions
    extends SourceOptions,
        FileSourceOptions,
        KafkaSourceOptions,
        WindowOptions,
        EventTimeOptions,
        LakeOptions,
        LakeFormatOptions,
        IcebergMaintenanceOptions,
        TypingOptions,
        PiiOptions,
        ClickHouseOptions,
        RecoveryOptions,
        FlinkBatchOptions,
        ProgressOptions,
        MetricsOptions,
        SnapshotOptions,
        StreamingOptions {}
