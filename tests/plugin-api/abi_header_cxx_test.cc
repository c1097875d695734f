// The same checks as abi_header_c11_test.c, compiled as C++ (-pedantic -Werror -Wold-style-cast).
#include "abi_header_c11_test.c"  // NOLINT: the C file is the test
