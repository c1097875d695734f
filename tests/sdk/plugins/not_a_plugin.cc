// A shared object without the plugin entry symbol: the conformance tool must say so.
extern "C" __attribute__((visibility("default"))) int not_a_plugin_answer() {
  return 42;
}
