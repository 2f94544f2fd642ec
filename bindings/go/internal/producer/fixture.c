/* The foreign-thread fixture, compiled into this package from its one source. */
#include "../../../../tests/fixtures/producer.c"
