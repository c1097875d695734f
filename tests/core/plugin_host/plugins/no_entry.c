/* A library with a manifest but without the entry symbol (no registration macro). */
int sluice_test_not_an_entry_point(void);
int sluice_test_not_an_entry_point(void) {
  return 42;
}
