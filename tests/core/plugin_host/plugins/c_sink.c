/*
 * A sink written in plain C against the frozen ABI 1.0 header, without the SDK: its descriptor
 * and call table are exactly as large as ABI 1.0 defines them, as an old plugin's would be.
 * It appends one line per call to the file named by its `log` key. Variants, chosen at compile
 * time, break the contract in one way each:
 *   C_PLUGIN_NAME       the name in the descriptor (default "c-sink")
 *   C_MISSING_WRITE     write = NULL
 *   C_NULL_DESCRIPTOR   the entry point returns NULL
 *   C_DESCRIPTOR_MINOR  the ABI minor the descriptor claims
 */
#include <sluice/plugin_abi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef C_PLUGIN_NAME
#define C_PLUGIN_NAME "c-sink"
#endif
#ifndef C_DESCRIPTOR_MINOR
#define C_DESCRIPTOR_MINOR SLUICE_ABI_VERSION_MINOR
#endif

static const sluice_host_api_t* host;

typedef struct c_sink {
  sluice_host_context_t* ctx;
  char log[512];
} c_sink_t;

static sluice_str_t str(const char* text) {
  sluice_str_t result;
  result.data = text;
  result.size = strlen(text);
  return result;
}

static void record(const char* path, const char* line) {
  FILE* file;
  if (path[0] == '\0') return;
  file = fopen(path, "a");
  if (file == NULL) return;
  fprintf(file, "%s\n", line);
  fclose(file);
}

static void read_log(const sluice_config_t* config, char* out, size_t size) {
  sluice_str_t value = {NULL, 0};
  out[0] = '\0';
  if (host->config_get_string(config, str("log"), &value) == SLUICE_OK && value.size < size) {
    memcpy(out, value.data, value.size);
    out[value.size] = '\0';
  }
}

static sluice_status_t c_validate(sluice_host_context_t* ctx, const sluice_config_t* config) {
  char log[512];
  int32_t type = host->config_type(config, str("log"));
  if (type != SLUICE_CONFIG_ABSENT && type != SLUICE_CONFIG_STRING) {
    static const char message[] = "key 'log' must be a string";
    host->set_error(ctx, message, sizeof(message) - 1);
    return SLUICE_INVALID_CONFIG;
  }
  host->config_type(config, str("fail-create"));
  read_log(config, log, sizeof(log));
  record(log, "validate");
  return SLUICE_OK;
}

static sluice_status_t c_create(sluice_host_context_t* ctx, const sluice_config_t* config,
                                void** instance) {
  int32_t fail = 0;
  c_sink_t* sink = (c_sink_t*)calloc(1, sizeof(c_sink_t));
  if (sink == NULL) return SLUICE_FATAL;
  sink->ctx = ctx;
  read_log(config, sink->log, sizeof(sink->log));
  record(sink->log, "create");
  *instance = sink; /* stored even when failing below: the host must still destroy it */
  host->config_get_bool(config, str("fail-create"), &fail);
  if (fail) {
    static const char message[] = "cannot reach the target";
    host->set_error(ctx, message, sizeof(message) - 1);
    return SLUICE_FATAL;
  }
  return SLUICE_OK;
}

static void c_destroy(void* instance) {
  c_sink_t* sink = (c_sink_t*)instance;
  if (sink == NULL) return;
  record(sink->log, "destroy");
  free(sink);
}

static sluice_status_t c_open(void* instance, const sluice_resume_t* resume) {
  char line[64];
  snprintf(line, sizeof(line), "open %lld", (long long)resume->checkpoint_ts);
  record(((c_sink_t*)instance)->log, line);
  return SLUICE_OK;
}

#ifndef C_MISSING_WRITE
static sluice_status_t c_write(void* instance, const sluice_batch_t* batch) {
  char line[64];
  snprintf(line, sizeof(line), "write %zu", batch->transaction_count);
  record(((c_sink_t*)instance)->log, line);
  return SLUICE_OK;
}
#endif

static sluice_status_t c_flush(void* instance, int64_t* durable_ts) {
  (void)durable_ts;
  record(((c_sink_t*)instance)->log, "flush");
  return SLUICE_OK;
}

static sluice_status_t c_close(void* instance) {
  record(((c_sink_t*)instance)->log, "close");
  return SLUICE_OK;
}

static const sluice_sink_vtable_t vtable = {
    /* exactly the ABI 1.0 table: up to and including `close` */
    offsetof(sluice_sink_vtable_t, close) + sizeof(vtable.close),
    c_validate,
    c_create,
    c_destroy,
    c_open,
#ifdef C_MISSING_WRITE
    NULL,
#else
    c_write,
#endif
    c_flush,
    c_close,
};

static const sluice_plugin_descriptor_t descriptor = {
    /* exactly the ABI 1.0 descriptor: up to and including `translator` */
    offsetof(sluice_plugin_descriptor_t, translator) + sizeof(descriptor.translator),
    SLUICE_ABI_VERSION_MAJOR,
    C_DESCRIPTOR_MINOR,
    C_PLUGIN_NAME,
    "1.0.0",
    "a sink in plain C, ABI 1.0 sizes",
    SLUICE_KIND_SINK,
    0,
    &vtable,
    NULL,
    NULL,
};

__attribute__((visibility("default"))) const sluice_plugin_descriptor_t* sluice_plugin_entry_v1(
    const sluice_host_api_t* host_api);

const sluice_plugin_descriptor_t* sluice_plugin_entry_v1(const sluice_host_api_t* host_api) {
  if (host_api == NULL || host_api->abi_major != SLUICE_ABI_VERSION_MAJOR) return NULL;
  host = host_api;
#ifdef C_NULL_DESCRIPTOR
  {
    static const char message[] = "refusing to run: test variant";
    host->log(NULL, SLUICE_LOG_WARN, message, sizeof(message) - 1);
  }
  (void)&descriptor;
  return NULL;
#else
  return &descriptor;
#endif
}
