/*
 * Sluice plugin ABI, version 1.
 *
 * The one contract between the Sluice host (drainer, reparo, arbiter) and the shared objects that
 * implement sinks, filters and translators. Plain C11, depends on <stdint.h> and <stddef.h> only,
 * and compiles as C++. What a minor version may add and what never changes: VERSIONING.md.
 *
 * Rules that hold for every call in this file:
 *  - Data the host passes (batches, strings, configs) is host-owned, read-only, and valid only
 *    for the duration of the call. A plugin copies what it keeps.
 *  - Strings are pointer + length (sluice_str_t) and are never assumed NUL-terminated, except
 *    where a field says "NUL-terminated".
 *  - Memory is freed by the side that allocated it.
 *  - Nothing unwinds across the boundary: a plugin written in C++ catches every exception (the SDK
 *    does this) and host callbacks never throw.
 *  - Calls on one plugin instance never overlap. Separate instances may be called concurrently
 *    from different threads. Threads a plugin starts are joined before its `close` returns.
 *  - Every struct that may grow starts with `struct_size`; a reader reads only the fields that
 *    both sides know. Arrays of such structs carry their element size, so a reader steps through
 *    them by that size, not by its own sizeof.
 */
#ifndef SLUICE_PLUGIN_ABI_H
#define SLUICE_PLUGIN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------
 * Versions and the entry symbol
 * ------------------------------------------------------------------------------------------- */

#define SLUICE_ABI_VERSION_MAJOR 1
#define SLUICE_ABI_VERSION_MINOR 1

/* The only symbol a plugin exports. Its name carries the ABI major, so a library built for
 * another major cannot be mistaken for this one even if its manifest lies. */
#define SLUICE_PLUGIN_ENTRY_NAME "sluice_plugin_entry_v1"

/* ---------------------------------------------------------------------------------------------
 * Status codes
 * ------------------------------------------------------------------------------------------- */

typedef int32_t sluice_status_t;

#define SLUICE_OK 0             /* done */
#define SLUICE_RETRY 1          /* transient failure: the host calls again with the same data, after a
                                   bounded exponential back-off */
#define SLUICE_FATAL 2          /* the instance cannot go on: the host closes and destroys it and
                                   stops (or restarts) per its policy */
#define SLUICE_INVALID_CONFIG 3 /* the configuration is wrong; the message says which key and why */
#define SLUICE_UNSUPPORTED 4    /* a valid request this plugin does not implement */
#define SLUICE_REJECTED 5       /* permanent data error for this batch (e.g. a value the target
                                   cannot store); the host applies its dead-letter policy */
/* Any other value is treated as SLUICE_FATAL. */

/* ---------------------------------------------------------------------------------------------
 * Basic types
 * ------------------------------------------------------------------------------------------- */

typedef struct sluice_str {
  const char* data; /* may be NULL when size == 0 */
  size_t size;
} sluice_str_t;

/* Kinds of value in a row. */
#define SLUICE_VALUE_NULL 0
#define SLUICE_VALUE_INT64 1  /* signed integer types, YEAR */
#define SLUICE_VALUE_UINT64 2 /* unsigned integer types, BIT, ENUM index, SET bitmask */
#define SLUICE_VALUE_DOUBLE 3 /* FLOAT, DOUBLE */
#define SLUICE_VALUE_BYTES 4  /* strings and blobs as stored; DECIMAL, DATE, DATETIME, TIMESTAMP,
                                 TIME and JSON as their canonical MySQL text */

typedef struct sluice_value {
  uint32_t kind; /* SLUICE_VALUE_* */
  uint32_t reserved;
  union {
    int64_t i64;
    uint64_t u64;
    double f64;
    sluice_str_t bytes;
  } as;
} sluice_value_t;

/* ---------------------------------------------------------------------------------------------
 * The data model: batch -> transactions -> events -> rows of values, with table metadata
 * ------------------------------------------------------------------------------------------- */

/* Column flags. */
#define SLUICE_COLUMN_UNSIGNED (1u << 0)
#define SLUICE_COLUMN_NOT_NULL (1u << 1)
#define SLUICE_COLUMN_PRIMARY_KEY (1u << 2) /* part of the primary key */
#define SLUICE_COLUMN_UNIQUE_KEY (1u << 3)  /* part of some unique key */
#define SLUICE_COLUMN_BINARY (1u << 4)      /* binary charset/collation */
#define SLUICE_COLUMN_GENERATED (1u << 5)   /* a generated column (value may be absent) */

typedef struct sluice_column {
  size_t struct_size;
  sluice_str_t name;
  uint32_t mysql_type;    /* the MySQL protocol type byte (MYSQL_TYPE_*: 1 TINY, 3 LONG, 8 LONGLONG,
                             15 VARCHAR, 246 NEWDECIMAL, 252 BLOB, 253 VAR_STRING, 254 STRING, ...) */
  uint32_t flags;         /* SLUICE_COLUMN_* */
  int32_t length;         /* declared length (flen), -1 when unspecified */
  int32_t decimals;       /* declared scale / fractional-second digits, -1 when unspecified */
  sluice_str_t type_name; /* the SQL type as text: "int", "varchar", "decimal", "enum", ... */
  sluice_str_t charset;   /* "utf8mb4", "binary", ... ; empty when not applicable */
  sluice_str_t elements_text; /* ENUM/SET members joined by ',' ; empty otherwise */
} sluice_column_t;

#define SLUICE_KEY_PRIMARY (1u << 0)
#define SLUICE_KEY_UNIQUE (1u << 1)

typedef struct sluice_key {
  size_t struct_size;
  sluice_str_t name;              /* "PRIMARY" for the primary key */
  uint32_t flags;                 /* SLUICE_KEY_* */
  const uint32_t* column_indexes; /* indexes into the table's columns */
  size_t column_count;
} sluice_key_t;

typedef struct sluice_table {
  size_t struct_size;
  sluice_str_t schema_name;
  sluice_str_t table_name;
  int64_t table_id;
  const sluice_column_t* columns; /* in table order; every row has one value per column */
  size_t column_count;
  size_t column_size;             /* element size of `columns` */
  const sluice_key_t* keys;       /* primary key first when there is one, then unique keys */
  size_t key_count;
  size_t key_size;                /* element size of `keys` */
} sluice_table_t;

#define SLUICE_EVENT_INSERT 0
#define SLUICE_EVENT_UPDATE 1
#define SLUICE_EVENT_DELETE 2
#define SLUICE_EVENT_DDL 3

typedef struct sluice_event {
  size_t struct_size;
  uint32_t type; /* SLUICE_EVENT_* */
  uint32_t reserved;
  sluice_str_t schema_name;
  sluice_str_t table_name;    /* empty for database-level DDL */
  const sluice_table_t* table;/* row events: the table's layout at this event; DDL: NULL */
  const sluice_value_t* old_values; /* UPDATE, DELETE: one value per column; otherwise NULL */
  const sluice_value_t* new_values; /* INSERT, UPDATE: one value per column; otherwise NULL */
  sluice_str_t ddl_query;     /* DDL: the statement as the upstream ran it; otherwise empty */
} sluice_event_t;

#define SLUICE_TXN_DDL (1u << 0)       /* this transaction is one DDL event, delivered alone after
                                          every earlier transaction was flushed */
#define SLUICE_TXN_SAFE_MODE (1u << 1) /* replayed after an unclean restart: apply idempotently */

typedef struct sluice_transaction {
  size_t struct_size;
  int64_t commit_ts; /* the resume point: strictly increasing across transactions */
  int64_t start_ts;
  uint64_t position; /* the host's sequence number of this transaction in its output, increasing
                        by one per transaction delivered to this instance in this process */
  uint32_t flags;    /* SLUICE_TXN_* */
  uint32_t reserved;
  int64_t schema_version;
  const sluice_event_t* events;
  size_t event_count;
  size_t event_size; /* element size of `events` */
} sluice_transaction_t;

typedef struct sluice_batch {
  size_t struct_size;
  const sluice_transaction_t* transactions; /* in commit_ts order */
  size_t transaction_count;
  size_t transaction_size; /* element size of `transactions` */
} sluice_batch_t;

/* Where a sink resumes: everything with commit_ts <= checkpoint_ts is already durable in every
 * sink (at-least-once: a sink may see some transactions again after a restart). */
typedef struct sluice_resume {
  size_t struct_size;
  int64_t checkpoint_ts; /* 0 when starting fresh */
  uint32_t flags;        /* SLUICE_RESUME_* */
  uint32_t reserved;
} sluice_resume_t;

#define SLUICE_RESUME_UNCLEAN (1u << 0) /* the previous run did not stop cleanly */

/* ---------------------------------------------------------------------------------------------
 * Host services
 * ------------------------------------------------------------------------------------------- */

/* Opaque handles owned by the host. */
typedef struct sluice_host_context sluice_host_context_t; /* one per plugin instance */
typedef struct sluice_config sluice_config_t;             /* one instance's config table */
typedef struct sluice_metric sluice_metric_t;             /* one labelled metric series */

#define SLUICE_LOG_TRACE 0
#define SLUICE_LOG_DEBUG 1
#define SLUICE_LOG_INFO 2
#define SLUICE_LOG_WARN 3
#define SLUICE_LOG_ERROR 4

#define SLUICE_METRIC_COUNTER 0
#define SLUICE_METRIC_GAUGE 1
#define SLUICE_METRIC_HISTOGRAM 2

/* Config value types, for config_type. */
#define SLUICE_CONFIG_ABSENT 0
#define SLUICE_CONFIG_BOOL 1
#define SLUICE_CONFIG_INT 2
#define SLUICE_CONFIG_DOUBLE 3
#define SLUICE_CONFIG_STRING 4
#define SLUICE_CONFIG_ARRAY 5
#define SLUICE_CONFIG_TABLE 6
#define SLUICE_CONFIG_OTHER 7

/*
 * The host's services. One table per host process; valid until the process exits. Every
 * function is thread-safe and never throws. `ctx` is the handle the host gave the instance (or
 * the validate call); it tags logs and metrics with the plugin and instance names.
 *
 * Config keys are dotted paths into the instance's config table ("security.ssl-ca"). A path
 * segment may index an array with "[i]" (decimal, from 0), so entries of an array of tables are
 * reachable: "replicate-do-table[0].db-name"; config_type("replicate-do-table[1]") reports
 * SLUICE_CONFIG_TABLE, config_array_size("replicate-do-table") the number of entries, and an index
 * past the end reads as absent. Getters return SLUICE_OK and fill `out`, or SLUICE_INVALID_CONFIG
 * when the key is absent or of another type (and then leave `out` untouched). Strings they return
 * stay valid as long as the config.
 */
typedef struct sluice_host_api {
  size_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;

  /* Logging: the host copies the message. */
  void (*log)(sluice_host_context_t* ctx, int32_t level, const char* message, size_t length);
  /* Sets the message that explains the status the current call is about to return; the host
   * copies it and reports it with the plugin's and instance's names. */
  void (*set_error)(sluice_host_context_t* ctx, const char* message, size_t length);

  /* Clocks, in nanoseconds: wall time since the Unix epoch, and a monotonic clock. */
  int64_t (*wall_clock_ns)(sluice_host_context_t* ctx);
  int64_t (*monotonic_clock_ns)(sluice_host_context_t* ctx);
  /* Non-zero once the host is shutting down: long-running calls should return soon (with
   * SLUICE_RETRY if their work is not done). */
  int32_t (*stop_requested)(sluice_host_context_t* ctx);

  /* Asynchronous durability: every transaction with commit_ts <= durable_ts is durable in the
   * target. May be called from any thread the plugin owns, at any time between open and close.
   * Watermarks that go backwards are ignored. */
  void (*ack_durable)(sluice_host_context_t* ctx, int64_t durable_ts);

  /* Metrics, exposed on the daemon's Prometheus endpoint with labels plugin and instance added.
   * `name` and the label strings are copied. `label_pairs` holds label_count name/value pairs
   * (2 * label_count strings). Returns NULL on a bad name or a kind clash with an existing
   * metric. The handle lives as long as the host process. */
  sluice_metric_t* (*metric_register)(sluice_host_context_t* ctx, int32_t kind, sluice_str_t name,
                                      sluice_str_t help, const sluice_str_t* label_pairs,
                                      size_t label_count);
  void (*metric_add)(sluice_metric_t* metric, double delta);   /* counter, gauge */
  void (*metric_set)(sluice_metric_t* metric, double value);   /* gauge */
  void (*metric_observe)(sluice_metric_t* metric, double value); /* histogram (seconds) */

  /* Typed config access (see above). config_get_secret resolves secrets: an `encrypted_<key>`
   * entry is decrypted by the host, a value "${NAME}" is read from the environment variable NAME;
   * otherwise it returns the plain string. Secret strings are valid as long as the config. */
  int32_t (*config_type)(const sluice_config_t* config, sluice_str_t key);
  sluice_status_t (*config_get_bool)(const sluice_config_t* config, sluice_str_t key, int32_t* out);
  sluice_status_t (*config_get_int)(const sluice_config_t* config, sluice_str_t key, int64_t* out);
  /* Integers are accepted too (converted to double). */
  sluice_status_t (*config_get_double)(const sluice_config_t* config, sluice_str_t key,
                                       double* out);
  sluice_status_t (*config_get_string)(const sluice_config_t* config, sluice_str_t key,
                                       sluice_str_t* out);
  sluice_status_t (*config_get_secret)(const sluice_config_t* config, sluice_str_t key,
                                       sluice_str_t* out);
  /* Arrays: the length (of any array, including an array of tables), then string items one by
   * one (SLUICE_INVALID_CONFIG for an item that is not a string). */
  sluice_status_t (*config_array_size)(const sluice_config_t* config, sluice_str_t key,
                                       size_t* out);
  sluice_status_t (*config_get_string_at)(const sluice_config_t* config, sluice_str_t key,
                                          size_t index, sluice_str_t* out);
  /* The instance's own name (the `name` key of its [[sink]]/[[filter]]/[[translator]] entry),
   * for messages. Valid as long as `ctx`. */
  sluice_str_t (*instance_name)(sluice_host_context_t* ctx);

  /* Memory the host frees (or the plugin frees with host_free): for results handed to the host. */
  void* (*host_alloc)(size_t size);
  void (*host_free)(void* pointer);

  /* Translation through the translator the operator configured for this sink instance (the
   * sink's `translator` key). On SLUICE_OK `out` points at host-owned bytes valid until the next
   * translate call on the same ctx. SLUICE_UNSUPPORTED when no translator is configured. */
  sluice_status_t (*translate)(sluice_host_context_t* ctx, const sluice_transaction_t* transaction,
                               sluice_str_t* out);

  /* Since 1.1 (read only when struct_size covers it). A sink whose downstream keeps its own TSO
   * (TiDB) reports that upstream commit_ts `primary_ts` is applied downstream as of its
   * `secondary_ts`; the host keeps the latest pair and saves it with the next checkpoint (the
   * original's "ts-map"). */
  void (*report_ts_map)(sluice_host_context_t* ctx, int64_t primary_ts, int64_t secondary_ts);
} sluice_host_api_t;

/* A host-owned growable byte buffer a translator appends to. */
typedef struct sluice_buffer sluice_buffer_t;

typedef struct sluice_buffer_api {
  size_t struct_size;
  /* Appends bytes; returns SLUICE_FATAL only when memory is exhausted. */
  sluice_status_t (*append)(sluice_buffer_t* buffer, const void* data, size_t size);
  /* Makes room for `size` more bytes and returns where to write them; commit() then adds the
   * bytes actually written (<= size). Returns NULL when memory is exhausted. */
  uint8_t* (*reserve)(sluice_buffer_t* buffer, size_t size);
  void (*commit)(sluice_buffer_t* buffer, size_t size);
  size_t (*size)(const sluice_buffer_t* buffer);
} sluice_buffer_api_t;

/* ---------------------------------------------------------------------------------------------
 * Plugin kinds and their call tables
 * ------------------------------------------------------------------------------------------- */

#define SLUICE_KIND_SINK 1
#define SLUICE_KIND_FILTER 2
#define SLUICE_KIND_TRANSLATOR 3

/* Capability bits a plugin may declare. */
#define SLUICE_CAP_CONCURRENT_WRITES (1u << 0) /* write may be called from several threads at once */
#define SLUICE_CAP_ASYNC_ACK (1u << 1)         /* the sink reports durability with ack_durable */
#define SLUICE_CAP_IDEMPOTENT (1u << 2)        /* replays are harmless without safe mode */

/*
 * Calls common to every kind.
 *
 * validate: checks `config` without I/O (so `drainer --check-config` works offline). Returns
 *   SLUICE_OK or SLUICE_INVALID_CONFIG with set_error naming the key. Required.
 * create: makes an instance from a config validate accepted; stores it in *instance. May do I/O.
 *   Keep `ctx` for host calls; it stays valid until destroy returns. Required.
 * destroy: frees the instance. Always called after create, even when create failed (then
 *   `instance` is whatever create stored, possibly NULL). Required.
 */

typedef struct sluice_sink_vtable {
  size_t struct_size;
  sluice_status_t (*validate)(sluice_host_context_t* ctx, const sluice_config_t* config);
  sluice_status_t (*create)(sluice_host_context_t* ctx, const sluice_config_t* config,
                            void** instance);
  void (*destroy)(void* instance);
  /* Connects to the target and prepares to receive transactions after resume->checkpoint_ts.
   * Required. */
  sluice_status_t (*open)(void* instance, const sluice_resume_t* resume);
  /* Hands over a batch. The sink may buffer; nothing is durable until flush says so. Required. */
  sluice_status_t (*write)(void* instance, const sluice_batch_t* batch);
  /* Makes everything written so far durable (or as much as it can) and reports, in
   * *durable_ts, the commit_ts up to which every written transaction is durable. On entry
   * *durable_ts holds the watermark the host knows already, so a sink with nothing new to report
   * may leave it unchanged. Required. */
  sluice_status_t (*flush)(void* instance, int64_t* durable_ts);
  /* Flushes what it can, stops its threads, disconnects. No write follows. Required. */
  sluice_status_t (*close)(void* instance);
} sluice_sink_vtable_t;

typedef struct sluice_filter_vtable {
  size_t struct_size;
  sluice_status_t (*validate)(sluice_host_context_t* ctx, const sluice_config_t* config);
  sluice_status_t (*create)(sluice_host_context_t* ctx, const sluice_config_t* config,
                            void** instance);
  void (*destroy)(void* instance);
  /* Decides which events of `batch` to keep. `keep` has one byte per event, in batch order
   * (transaction by transaction, event by event), pre-set to 1; the filter writes 0 to drop an
   * event. It must not keep pointers into the batch. Required. */
  sluice_status_t (*filter)(void* instance, const sluice_batch_t* batch, uint8_t* keep,
                            size_t keep_count);
} sluice_filter_vtable_t;

typedef struct sluice_translator_vtable {
  size_t struct_size;
  sluice_status_t (*validate)(sluice_host_context_t* ctx, const sluice_config_t* config);
  sluice_status_t (*create)(sluice_host_context_t* ctx, const sluice_config_t* config,
                            void** instance);
  void (*destroy)(void* instance);
  /* Encodes one transaction into `out` through `buffer_api`. Required. */
  sluice_status_t (*encode)(void* instance, const sluice_transaction_t* transaction,
                            const sluice_buffer_api_t* buffer_api, sluice_buffer_t* out);
  /* NUL-terminated, static: e.g. "application/x-protobuf; proto=pb_binlog.Binlog". Optional. */
  const char* content_type;
} sluice_translator_vtable_t;

/* ---------------------------------------------------------------------------------------------
 * The descriptor and the entry point
 * ------------------------------------------------------------------------------------------- */

typedef struct sluice_plugin_descriptor {
  size_t struct_size;
  uint32_t abi_major;      /* SLUICE_ABI_VERSION_MAJOR the plugin was built with */
  uint32_t abi_minor;      /* SLUICE_ABI_VERSION_MINOR the plugin was built with */
  const char* name;        /* NUL-terminated, static; equals the manifest's name */
  const char* version;     /* NUL-terminated, static; the plugin's own version */
  const char* description; /* NUL-terminated, static; one line */
  uint32_t kind;           /* SLUICE_KIND_* */
  uint32_t capabilities;   /* SLUICE_CAP_* */
  /* Exactly the table matching `kind` is non-NULL. Static storage. */
  const sluice_sink_vtable_t* sink;
  const sluice_filter_vtable_t* filter;
  const sluice_translator_vtable_t* translator;
} sluice_plugin_descriptor_t;

/*
 * The entry point, exported as SLUICE_PLUGIN_ENTRY_NAME. Called once, after the host checked the
 * manifest and loaded the library. `host` is valid until the process exits; a plugin keeps the
 * pointer. Returns a descriptor in static storage, or NULL when the plugin cannot run with this
 * host (it may say why with host->log(NULL, ...)).
 */
typedef const sluice_plugin_descriptor_t* (*sluice_plugin_entry_fn)(const sluice_host_api_t* host);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SLUICE_PLUGIN_ABI_H */
