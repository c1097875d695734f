/* The ABI header must compile as strict C11 (this file is built with -std=c11 -pedantic -Werror)
 * and its growable structs must start with struct_size. Exit status 0 = pass. */
#include <sluice/plugin_abi.h>

#include <stddef.h>
#include <stdio.h>

#define CHECK(condition)                                         \
  do {                                                           \
    if (!(condition)) {                                          \
      fprintf(stderr, "FAILED: %s (line %d)\n", #condition, __LINE__); \
      return 1;                                                  \
    }                                                            \
  } while (0)

int main(void) {
  CHECK(offsetof(sluice_host_api_t, struct_size) == 0);
  CHECK(offsetof(sluice_plugin_descriptor_t, struct_size) == 0);
  CHECK(offsetof(sluice_sink_vtable_t, struct_size) == 0);
  CHECK(offsetof(sluice_filter_vtable_t, struct_size) == 0);
  CHECK(offsetof(sluice_translator_vtable_t, struct_size) == 0);
  CHECK(offsetof(sluice_batch_t, struct_size) == 0);
  CHECK(offsetof(sluice_transaction_t, struct_size) == 0);
  CHECK(offsetof(sluice_event_t, struct_size) == 0);
  CHECK(offsetof(sluice_table_t, struct_size) == 0);
  CHECK(offsetof(sluice_column_t, struct_size) == 0);
  CHECK(offsetof(sluice_key_t, struct_size) == 0);
  CHECK(offsetof(sluice_resume_t, struct_size) == 0);
  CHECK(offsetof(sluice_buffer_api_t, struct_size) == 0);
  /* A value is a tag and a 16-byte payload on LP64, whatever the compiler. */
  CHECK(sizeof(sluice_value_t) == 24);
  CHECK(SLUICE_ABI_VERSION_MAJOR == 1);
  puts("1 passed, 0 failed");
  return 0;
}
